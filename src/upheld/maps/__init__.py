"""The maps: the hex cartogram, imported council boundaries, and the SVG both are drawn with."""
