"""schemathesis hooks for resilience/schemathesis.

The v0.18 REST API answers some client-side misses with a 500 and an `{"error": ...}` body (an
unknown name on the history, zone file and public key routes: "Not found."; a name past its
renewal grace: "Name expired"), and its clients rely on those statuses. The API keeps them and
documents them. This check fails any other server error: a 5xx status the operation does not
document, or a documented one whose body is not that JSON error object (a crash, a panic, an
empty 500, a timeout).
"""

import json

import schemathesis


@schemathesis.check
def documented_server_errors_only(ctx, response, case):
    status = response.status_code
    if status < 500:
        return None
    documented = {str(code) for code in case.operation.responses.status_codes}
    if str(status) not in documented:
        raise AssertionError(f"undocumented server error {status}: {response.text[:300]!r}")
    try:
        body = json.loads(response.text)
    except ValueError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
        raise AssertionError(
            f"server error {status} without an {{\"error\": ...}} body: {response.text[:300]!r}"
        )
    return None
