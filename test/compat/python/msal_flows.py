"""Microsoft's Python MSAL (Debian's python3-msal) against a Warden authority.

Run by test/compat/python-msal.test.ts with /usr/bin/python3, no stdin. Configuration comes from
the environment, as an integrator's script would take it:
  WARDEN_AUTHORITY      https://host:port/<tenant domain or id>
  WARDEN_CLIENT_ID      the application's client id
  WARDEN_CLIENT_SECRET  (client-credentials only)
  WARDEN_SCOPES         space-separated scopes
  REQUESTS_CA_BUNDLE    trust for Warden's certificate (read by requests)
Each step prints one JSON line to stdout; the test reads them as they come.
"""
import json
import os
import sys

import msal


def emit(**fields):
    print(json.dumps(fields), flush=True)


def client_credentials(authority, client_id, scopes):
    # validate_authority=False: the host is not one of Microsoft's, so MSAL skips its instance
    # discovery (login.microsoftonline.com) and reads {authority}/v2.0/.well-known/openid-configuration.
    app = msal.ConfidentialClientApplication(
        client_id,
        client_credential=os.environ["WARDEN_CLIENT_SECRET"],
        authority=authority,
        validate_authority=False,
    )
    # MSAL 1.21's documented pattern: the cache first (account=None is the app's own tokens),
    # then the token endpoint. (acquire_token_for_client reads the cache itself only from 1.23.)
    before = app.acquire_token_silent(scopes, account=None)
    first = app.acquire_token_for_client(scopes=scopes)
    second = app.acquire_token_silent(scopes, account=None)
    emit(
        step="result",
        token_endpoint=app.authority.token_endpoint,
        result=first,
        cached_before=before is not None,
        cached=(second or {}).get("access_token") == first.get("access_token"),
    )


def device_flow(authority, client_id, scopes):
    app = msal.PublicClientApplication(client_id, authority=authority, validate_authority=False)
    flow = app.initiate_device_flow(scopes=scopes)
    if "user_code" not in flow:
        emit(step="error", result=flow)
        return 1
    emit(
        step="device_flow",
        user_code=flow["user_code"],
        verification_uri=flow["verification_uri"],
        message=flow["message"],
    )
    # Polls the token endpoint at the interval Warden gave until the user approves (RFC 8628 §3.4).
    result = app.acquire_token_by_device_flow(flow)
    accounts = app.get_accounts()
    refreshed = None
    if accounts and "access_token" in result:
        # The refresh token MSAL keeps in its cache, redeemed.
        refreshed = app.acquire_token_silent(scopes, account=accounts[0], force_refresh=True)
    emit(
        step="result",
        result=result,
        accounts=[a["username"] for a in accounts],
        refreshed=refreshed,
    )
    return 0


def main():
    flow = sys.argv[1]
    authority = os.environ["WARDEN_AUTHORITY"]
    client_id = os.environ["WARDEN_CLIENT_ID"]
    scopes = os.environ["WARDEN_SCOPES"].split()
    emit(step="start", msal=msal.__version__)
    if flow == "client-credentials":
        return client_credentials(authority, client_id, scopes) or 0
    if flow == "device-flow":
        return device_flow(authority, client_id, scopes)
    emit(step="error", result={"error": "unknown flow " + flow})
    return 2


if __name__ == "__main__":
    sys.exit(main())
