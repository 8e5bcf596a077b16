"""One HTTP attempt for the webhook notifiers, its outcome classified (notifiers.base.Failure).

Retrying is the outbox's decision, never a library's: this module posts once (httpx retries
nothing unless asked; redirects are not followed, since a webhook that moved is a
configuration to fix) and tells the outbox whether the request may have reached the peer.
With a new connection per attempt, httpx's exceptions draw that line exactly: ConnectError
and ConnectTimeout (DNS, refused, TLS handshake) and PoolTimeout are raised before a byte of
the request is written; WriteError, WriteTimeout, ReadTimeout, ReadError and
RemoteProtocolError come after the request, or part of it, went out.

Status codes (RFC 9110 section 15): 2xx is for the notifier to judge; 429 is a rate limit;
408 and 5xx other than 502/504 are the peer's own answer that it did not take the request;
502 and 504 come from a gateway that forwarded the request and lost the service behind it,
which may have posted it; other 3xx and 4xx are refusals.
"""

from __future__ import annotations

import httpx

from aksnews.notifiers.base import Failure, NotifierError, parse_retry_after

MAX_BODY_IN_ERROR = 200  # characters of a peer's error answer kept in the error text

_BEFORE_REQUEST = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError)
_REFUSED_LOCALLY = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


def status_failure(status: int) -> Failure | None:
    """What an HTTP status says about a post: None for 2xx, else how it failed."""
    if 200 <= status < 300:
        return None
    if status == 429:
        return Failure.RATE_LIMITED
    if status in (502, 504):
        return Failure.MAY_HAVE_ARRIVED
    if status == 408 or status >= 500:
        return Failure.NOT_SENT
    return Failure.REJECTED


def post_once(
    what: str, url: str, content: bytes, *, timeout: float, headers: dict[str, str] | None = None
) -> httpx.Response:
    """POST `content` to `url` once; the response whatever its status, or a NotifierError
    that says whether the request may have arrived. `what` names the peer in error texts
    (never the URL: webhook URLs carry their secret in the path)."""
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:
            return client.post(
                url,
                content=content,
                headers={"Content-Type": "application/json", **(headers or {})},
            )
    except _BEFORE_REQUEST as exc:
        raise NotifierError(_text(what, exc, "not sent"), Failure.NOT_SENT) from exc
    except _REFUSED_LOCALLY as exc:
        raise NotifierError(_text(what, exc, "not sent"), Failure.REJECTED) from exc
    except httpx.InvalidURL as exc:  # not an HTTPError
        raise NotifierError(f"{what}: invalid URL", Failure.REJECTED) from exc
    except httpx.HTTPError as exc:  # written, then a timeout, a reset or a broken answer
        raise NotifierError(_text(what, exc, "may have arrived"), Failure.MAY_HAVE_ARRIVED) from exc


def status_error(what: str, response: httpx.Response, failure: Failure) -> NotifierError:
    """The error for a non-success answer, with the start of its body and its Retry-After."""
    body = " ".join(response.text[:MAX_BODY_IN_ERROR].split())
    return NotifierError(
        f"{what}: HTTP {response.status_code}" + (f" {body}" if body else ""),
        failure,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


def _text(what: str, exc: BaseException, verdict: str) -> str:
    detail = str(exc).strip()
    return f"{what}: {type(exc).__name__}" + (f": {detail}" if detail else "") + f" ({verdict})"
