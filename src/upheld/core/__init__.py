"""The rules, with no input or output: review years, the ombudsman's words, the statistics
catalogue and its pure functions, and what is public when."""
