#!/usr/bin/env python3
# crawl-pages.py HOST PORT: fetch every URL the sitemap lists (through
# the sitemap index), as a search engine's crawler would, on one
# keep-alive connection, gzip accepted; count pages and bytes. Run it
# after crawl-archives.sh and read the server's peak RSS (VmHWM).
import gzip, http.client, re, sys, urllib.parse
host, port = sys.argv[1], int(sys.argv[2])
conn = http.client.HTTPConnection(host, port, timeout=60)
def get(path):
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    r = conn.getresponse()
    return r.status, r.read()
def locs(path):
    st, b = get(path)
    if st != 200: raise SystemExit(f"{path}: {st}")
    if b[:2] == b"\x1f\x8b": b = gzip.decompress(b)
    return [urllib.parse.urlsplit(u.decode()).path for u in re.findall(rb"<loc>([^<]+)</loc>", b)], b"<sitemapindex" in b
todo, index = locs("/sitemap.xml")
pages = []
if index:
    for sm in todo: pages += locs(sm)[0]
else:
    pages = todo
n = bad = size = 0
for p in pages:
    st, b = get(p)
    n += 1; size += len(b)
    if st != 200: bad += 1
print(f"pages {n}, not 200: {bad}, bytes {size}")
