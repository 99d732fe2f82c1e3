# Regenerates the fixtures in this folder with Python 2.7 xmlrpclib:
#   cd crates/node/tests/data/xmlrpc && python2 generate.py
# (Python 3 xmlrpc.client.dumps writes the same bytes for these values.)
import xmlrpclib as x
def w(name, s):
    open(name, "wb").write(s)
w("call_get_zonefiles.xml", x.dumps((["1b89a685f4c4ea245ce9433d0b29166c22175ab4", "abc"],), "get_zonefiles"))
w("call_get_zonefile_inventory.xml", x.dumps((0, 524288), "get_zonefile_inventory"))
w("call_getinfo.xml", x.dumps((), "getinfo"))
w("call_atlas_peer_exchange.xml", x.dumps(("localhost:16264",), "atlas_peer_exchange"))
w("response_json.xml", x.dumps(('{"status": true, "x": "<a&b>", "u": "\\u2603"}',), methodresponse=True))
w("fault.xml", x.dumps(x.Fault(1, "<class 'xml.parsers.expat.ExpatError'>:no element found: line 1, column 0")))
w("call_all_types.xml", x.dumps((True, False, 1.5, 1e20, 0.1, -2147483648, x.Binary(b"\x00\x01hello" * 20), None, {"k": [1, {"n": "v"}]}, [], {}, u"caf\xe9 \u2603 \"q\" 'a' \n\t end"), "m", allow_none=True))
w("call_floats.xml", x.dumps((1e16, 1e15, 0.0001, 0.00001, 123456789.123, -0.0, 5e-324, 1.7976931348623157e308, float('inf'), float('-inf'), 2.5e-7, 1234.5e10), "f"))
