"""A stand-in for WeChat's code exchange (`GET /sns/jscode2session`) during the Schemathesis run.

Every login code is a valid, unused code of its own user (openid derived from the code), so a
schema-valid `POST /api/v1/auth/wechat` can succeed without the real WeChat. Prints the port it
listens on, then serves until killed.
"""

import hashlib
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (the standard library's name)
        url = urlparse(self.path)
        code = parse_qs(url.query).get("js_code", [""])[0]
        if url.path != "/sns/jscode2session" or not code:
            body = {"errcode": 40029, "errmsg": "invalid code"}
        else:
            digest = hashlib.sha256(code.encode()).hexdigest()[:24]
            body = {"openid": f"wx-{digest}", "session_key": f"sk-{digest}"}
        data = json.dumps(body).encode()
        # WeChat answers JSON as text/plain.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
sys.stdout.close()
server.serve_forever()
