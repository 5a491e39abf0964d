# Varnish in front of `upheld serve`: keeps each page as long as its Cache-Control says, shows a
# stale page for `stale-while-revalidate` while it fetches a fresh one, asks upheld again with
# If-None-Match (answered 304 when nothing changed), and forgets everything when upheld sends
# PURGE after an import, new letters or `upheld purge` ([web] purge = ["http://127.0.0.1:6081/"]).
vcl 4.1;

backend upheld {
    .host = "127.0.0.1";
    .port = "8000";
}

# Who may empty the cache: the machine that runs upheld's commands.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        ban("obj.status != 0");
        return (synth(200, "Purged"));
    }
    # A preview link is one council's page before publication: never kept.
    if (req.url ~ "[?&]preview=") {
        return (pass);
    }
}

sub vcl_backend_response {
    # Varnish would otherwise show an expired page for 10 s more while it fetches it again;
    # upheld says how long that is safe (never past a publication), or that it is not.
    if (beresp.http.Cache-Control !~ "stale-while-revalidate") {
        set beresp.grace = 0s;
    }
    # Keep a page for a day after it expires, to ask upheld whether it changed (a 304 costs
    # upheld almost nothing) rather than fetch it whole.
    set beresp.keep = 1d;
}

sub vcl_deliver {
    # Say whether the cache answered: useful when checking the set-up.
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
}
