"""Vigil call-log records: one JSON object per HTTP attempt (the contract is in Vigil's README,
"The call log"), appended to a file that Vigil tails, or sent to Vigil's UDP listener.

Copy this file beside openai_calls.py or anthropic_calls.py (and their streaming variants,
openai_streams.py and anthropic_streams.py). It needs only the standard library.
"""
import datetime
import email.utils
import json
import logging
import logging.handlers
import random
import socket
import time

# Statuses worth retrying (with backoff): throttling, overload, server errors, timeouts.
RETRYABLE = {408, 429, 500, 502, 503, 504, 529}
# Codes by which a provider says "out of money", not "too many requests": never retried.
QUOTA_CODES = {"insufficient_quota", "billing_hard_limit_reached", "billing_not_active", "billing_error",
               "credit_balance_too_low", "insufficient_balance", "credit_balance_exhausted",
               "enforced_spend_limit_reached"}


class FileSink:
    """Appends one line per record to `path`.

    The file is reopened when it is no longer the one at `path` (logrotate's `create` mode moves it
    away and creates a new one): lines go to the new file, never into the rotated copy. Each line is
    written and flushed whole, so a reader never sees half a record.
    """

    def __init__(self, path):
        self.handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8")
        self.handler.setFormatter(logging.Formatter("%(message)s"))

    def write(self, record):
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
        self.handler.handle(logging.makeLogRecord({"msg": line, "levelno": logging.INFO}))

    def close(self):
        self.handler.close()


class UDPSink:
    """Sends each record as one datagram to Vigil's UDP listener (`vigil serve`, 127.0.0.1:9515 by
    default). Fire and forget: a send never blocks the call and never fails it."""

    def __init__(self, host="127.0.0.1", port=9515):
        self.address = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)

    def write(self, record):
        try:
            self.sock.sendto(json.dumps(record, separators=(",", ":")).encode(), self.address)
        except OSError:
            pass

    def close(self):
        self.sock.close()


def retry_after_seconds(value, now=None):
    """A Retry-After header as seconds to wait: a number of seconds or an HTTP-date (both are valid,
    RFC 9110); None when absent or unreadable, never an exception."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
        return seconds if 0 <= seconds < 86400 else None
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return max(0.0, (when - now).total_seconds())


def backoff_seconds(attempt, retry_after=None, base=0.5, cap=20.0):
    """How long to wait before the next attempt: full jitter (uniform in [0, base * 2^attempt],
    at most `cap`), and never less than what the provider asked for in Retry-After (up to a minute)."""
    delay = random.uniform(0, min(cap, base * 2 ** attempt))
    if retry_after is not None:
        delay = max(delay, min(retry_after, 60.0))
    return delay


def header_int(headers, *names):
    """The first of `names` that is an integer header (rate-limit remaining counts)."""
    for name in names:
        value = headers.get(name)
        if value is not None:
            try:
                return int(value)
            except ValueError:
                pass
    return None


def error_object(body):
    """The `error` object of a provider's error body (both SDKs keep the parsed body), or {}."""
    error = body.get("error", body) if isinstance(body, dict) else {}
    return error if isinstance(error, dict) else {}


def status_failure(record, status, headers, code):
    """Records a failed answer's status and Retry-After; returns (retry_after, retryable): a billing
    `code` is not worth retrying whatever the status."""
    retry_after = retry_after_seconds(headers.get("retry-after"))
    record.update(status=status, retry_after_s=retry_after)
    return retry_after, status in RETRYABLE and code not in QUOTA_CODES


def gives_up(record, attempt, max_attempts, retryable=True):
    """Says whether the caller stops after this failed attempt: a failure not worth retrying (a 400,
    a content filter, a prompt too long, an empty quota) or the last attempt allowed. Only the
    second is `retries_exhausted`: a retryable failure (429, 5xx, overload, no response) that ran
    out of attempts. A request that was never retryable did not exhaust anything, and marking it so
    would page "retries exhausted" on every bad request."""
    record["retries_exhausted"] = retryable and attempt == max_attempts
    return not retryable or attempt == max_attempts


def finish(record, start, clock, sink):
    """Completes an attempt's record and writes it: the latency is the attempt's own time, measured
    here, before any backoff sleep; `ts` is when the attempt ended."""
    record["latency_ms"] = round((clock() - start) * 1000, 1)
    record["ts"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")
    sink.write({k: v for k, v in record.items() if v is not None})


def monotonic():
    return time.monotonic()


# In-band error types that are the request's own fault: the same request gets the same answer.
NOT_RETRYABLE_TYPES = {"invalid_request_error", "authentication_error", "permission_error", "not_found_error",
                       "request_too_large", "context_length_exceeded", "invalid_prompt"}


class StreamFailed(Exception):
    """A stream that failed after its 200 without an exception of the SDK's own: a Responses API
    `response.failed`, a stream that ended without its terminal event. `outcome` and `error_type`
    are what the attempt's line says."""

    def __init__(self, outcome, error_type=None):
        super().__init__("stream %s%s" % (outcome, ": " + error_type if error_type else ""))
        self.outcome, self.error_type = outcome, error_type


def ms(seconds):
    return round(seconds * 1000, 1)


class StreamMeter:
    """Times one streamed attempt from the moment its request is sent: the first chunk of any kind
    (`ttft_ms`, never 0), the longest silence between chunks (a stall that ended the stream
    included), and, when it fails, how far in and how many tokens it had delivered."""

    def __init__(self, record, start, clock):
        self.record, self.start, self.clock = record, start, clock
        self.last = None
        self.gap = 0.0
        self.tokens = 0

    def chunk(self):
        now = self.clock()
        if self.last is None:
            self.record["ttft_ms"] = max(0.1, ms(now - self.start))
        else:
            self.gap = max(self.gap, now - self.last)
        self.last = now

    def end(self, outcome, error_type=None):
        now = self.clock()
        self.record["stream_outcome"] = outcome
        if outcome != "completed":
            self.record.update(stream_error_type=error_type, error_after_ms=ms(now - self.start),
                               output_tokens_partial=self.tokens)
            if outcome == "idle_timeout" and self.last is not None:
                self.gap = max(self.gap, now - self.last)
        if self.last is not None:
            self.record["max_chunk_gap_ms"] = ms(self.gap)


def stream_attempts(sdk, adapter, sink, base, max_attempts, sleep, clock):
    """Yields the events of a streamed call, attempt after attempt, one line per attempt.

    `sdk` is the SDK's module (its exception classes); `adapter` knows the API: `open()` sends the
    request (`with_raw_response.create(..., stream=True)`), `answered(record, raw)` notes the
    response's headers, `status_error(record, e)` a refused request (returns its code),
    `event(event, record)` says what an event is (`"content"`, `"end"`, `("failed", type)` or
    anything else) and `in_stream_type(e)` the in-band type of an SDK exception raised mid-stream.

    Events before the first content (the role chunk, `message_start`, ...) are held back, so that a
    stream that fails before its first token is retried (the SDKs retry only on HTTP status) and
    its caller sees one clean stream; once output was delivered, a failure is raised, never retried.
    """
    for attempt in range(1, max_attempts + 1):
        record = dict(base, attempt=attempt, max_attempts=max_attempts, stream=True)
        start = clock()
        meter = StreamMeter(record, start, clock)
        retry_after, opened, delivered, held = None, False, False, []
        try:
            raw = adapter.open()
            opened = True
            adapter.answered(record, raw)
            failure, completed = None, False
            for event in raw.parse():
                meter.chunk()
                kind = adapter.event(event, record)
                if isinstance(kind, tuple):
                    failure = StreamFailed("error_event", kind[1])
                    break
                completed = completed or kind == "end"
                if kind == "content":
                    meter.tokens += 1
                if delivered or kind == "content":
                    delivered = True
                    yield from held
                    held = []
                    yield event
                else:
                    held.append(event)
            if failure is None and not completed:
                failure = StreamFailed("truncated")
            if failure is None:
                meter.end("completed")
                yield from held
                return
            meter.end(failure.outcome, failure.error_type)
            if stream_gives_up(record, attempt, max_attempts, delivered, failure.error_type):
                raise failure
        except sdk.APIError as e:
            if opened:
                outcome = ("idle_timeout" if isinstance(e, sdk.APITimeoutError) else
                           "truncated" if isinstance(e, sdk.APIConnectionError) else "error_event")
                error_type = adapter.in_stream_type(e) if outcome == "error_event" else None
                meter.end(outcome, error_type)
                if stream_gives_up(record, attempt, max_attempts, delivered, error_type):
                    raise
            elif isinstance(e, sdk.APIStatusError):
                code = adapter.status_error(record, e)
                retry_after, retryable = status_failure(record, e.status_code, e.response.headers, code)
                if gives_up(record, attempt, max_attempts, retryable):
                    raise
            elif isinstance(e, sdk.APIConnectionError):  # no response: refused, reset, timeout
                record.update(status=0, error_type=type(e).__name__)
                if gives_up(record, attempt, max_attempts):
                    raise
            else:
                raise
        except GeneratorExit:  # the caller stopped reading: not the provider's failure
            if record.get("stream_outcome") != "completed":
                meter.end("client_cancelled")
            record["retries_exhausted"] = False
            raise
        finally:
            finish(record, start, clock, sink)
        sleep(backoff_seconds(attempt, retry_after))


def stream_gives_up(record, attempt, max_attempts, delivered, error_type):
    """Whether a stream that failed after its 200 is not tried again: it delivered output (a retry
    would repeat it), its in-band error is the request's fault, or it was the last attempt."""
    if delivered:
        record["retries_exhausted"] = False
        return True
    return gives_up(record, attempt, max_attempts,
                    error_type not in NOT_RETRYABLE_TYPES and error_type not in QUOTA_CODES)
