"""The load generator's own HTTP/1.1 client (bench.loadgen.Http): how it sends a form, what it reads of an answer
however it comes, and what it does with a connection the server closed."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, quote_plus

from hypothesis import given
from hypothesis import strategies as st

from bench import loadgen


async def _server(replies: list, seen: list):
    """A server that gives, for each request, the next of ``replies``: bytes, None (the connection closed
    without a word), ("close", bytes) (those bytes, then the connection closed), ("trickle", bytes) (those bytes
    a few at a time, a millisecond apart) or "hang" (no answer for 10 s)."""
    async def on_connection(reader, writer):
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = await reader.readexactly(length)
            seen.append((head.decode("latin-1"), body))
            reply = replies.pop(0)
            if reply is None:
                break
            if reply == "hang":
                await asyncio.sleep(10)
                break
            if isinstance(reply, tuple) and reply[0] == "trickle":
                for at in range(0, len(reply[1]), 3):
                    writer.write(reply[1][at:at + 3])
                    await writer.drain()
                    await asyncio.sleep(0.001)
                continue
            if isinstance(reply, tuple):
                writer.write(reply[1])
                await writer.drain()
                break
            writer.write(reply)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(on_connection, "127.0.0.1", 0)


def run(replies: list, scenario):
    seen: list = []

    async def main():
        server = await _server(replies, seen)
        port = server.sockets[0].getsockname()[1]
        recorder = loadgen.Recorder()
        try:
            async with loadgen.Http(f"http://127.0.0.1:{port}", recorder, connections=4, timeout=5) as http:
                return await scenario(http), recorder
        finally:
            server.close()

    # On a thread of its own: a browser test's Playwright (sync API) leaves an event loop running on this one.
    with ThreadPoolExecutor(1) as thread:
        result, recorder = thread.submit(lambda: asyncio.run(main())).result()
    return result, recorder, seen


def test_a_form_is_sent_encoded_and_the_answers_cookie_kept_for_the_next_request():
    replies = [b"HTTP/1.1 200 OK\r\nSet-Cookie: session=abc.def; HttpOnly; Path=/\r\nSet-Cookie: lang=ja\r\n"
               b"Content-Length: 5\r\n\r\nhello",
               b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]

    async def scenario(http):
        citizen = loadgen.Citizen(http)
        first = await citizen.request("form", "POST", "/send", data={"name": "負荷 太郎", "body": "a&b=c"})
        second = await citizen.request("page", "GET", "/next")
        return citizen, first, second

    (citizen, first, second), recorder, seen = run(replies, scenario)
    assert first[0] == 200 and first[2] == "hello"
    assert second[2] == "ok"
    assert citizen.cookies == {"session": "abc.def", "lang": "ja"}
    head, body = seen[0]
    assert "Content-Type: application/x-www-form-urlencoded" in head
    assert parse_qs(body.decode()) == {"name": ["負荷 太郎"], "body": ["a&b=c"]}
    assert "Cookie: session=abc.def; lang=ja" in seen[1][0]
    assert recorder.error_count == 0


def test_a_chunked_answer_is_read_whole_and_the_connection_kept():
    replies = [b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\nRetry-After: 10\r\n\r\n"
               b"4\r\nbusy\r\n6;ext=1\r\n page!\r\n0\r\n\r\n",
               b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"]

    async def scenario(http):
        citizen = loadgen.Citizen(http)
        shed = await citizen.request("page", "GET", "/a", shed_ok=True)
        after = await citizen.request("page", "GET", "/b")
        return shed, after, len(http.idle)

    (shed, after, idle), recorder, _seen = run(replies, scenario)
    assert shed[0] == 503 and shed[1].get("Retry-After") == "10" and shed[2] == "busy page!"
    assert after[0] == 200 and idle == 1  # both on one kept connection
    assert recorder.shed["page"] == 1 and recorder.error_count == 0


def test_a_get_on_a_kept_connection_the_server_closed_goes_once_more_and_a_post_is_an_error():
    # The server answers the first request, then closes the connection instead of answering the second.
    replies = [b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na", None,
               b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb", None]

    async def scenario(http):
        citizen = loadgen.Citizen(http)
        await citizen.request("page", "GET", "/1")
        again = await citizen.request("page", "GET", "/2")  # closed without a word, then sent again
        post = await citizen.request("form", "POST", "/3", data={"a": "b"})  # closed: not sent again
        return again, post

    (again, post), recorder, seen = run(replies, scenario)
    assert again[2] == "b"
    assert post is None
    assert [head.split(" ")[1] for head, _body in seen] == ["/1", "/2", "/2", "/3"]
    assert dict(recorder.errors) == {"form: Disconnected": 1}


def test_an_answer_cut_short_is_a_disconnection():
    async def scenario(http):
        return await loadgen.Citizen(http).request("page", "GET", "/cut")

    result, recorder, _seen = run([("close", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")], scenario)
    assert result is None
    assert dict(recorder.errors) == {"page: Disconnected": 1}


def test_an_answer_that_does_not_come_in_time_is_a_timeout():
    async def scenario(http):
        http.timeout = 0.2
        return await loadgen.Citizen(http).request("page", "GET", "/slow")

    result, recorder, _seen = run(["hang"], scenario)
    assert result is None
    assert dict(recorder.errors) == {"page: timeout": 1}


def test_answers_that_come_a_few_bytes_at_a_time_are_read_whole_with_their_chunks_and_trailer():
    replies = [("trickle", b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\nSet-Cookie: a=1\r\n\r\nhello world"),
               ("trickle", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: yes\r\n\r\n"),
               ("trickle", b"HTTP/1.1 204 No Content\r\n\r\n")]

    async def scenario(http):
        citizen = loadgen.Citizen(http)
        answers = [await citizen.request("page", "GET", f"/{n}", expect=(200, 204)) for n in range(3)]
        return answers, citizen.cookies, len(http.idle)

    (answers, cookies, idle), recorder, seen = run(replies, scenario)
    assert [(status, text) for status, _headers, text in answers] == [(200, "hello world"), (200, "hello world"),
                                                                       (204, "")]
    assert cookies == {"a": "1"} and idle == 1 and len(seen) == 3  # one connection kept for all three
    assert recorder.error_count == 0


def test_an_answer_without_a_length_is_read_till_the_server_closes_and_its_connection_not_kept():
    replies = [("close", b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it"),
               b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext"]

    async def scenario(http):
        citizen = loadgen.Citizen(http)
        first = await citizen.request("page", "GET", "/stream")
        idle_after_first = len(http.idle)
        second = await citizen.request("page", "GET", "/next")
        return first, idle_after_first, second

    (first, idle_after_first, second), recorder, seen = run(replies, scenario)
    assert first[2] == "all of it" and first[1].get("Connection") == "close"
    assert idle_after_first == 0 and second[2] == "next" and len(seen) == 2
    assert recorder.error_count == 0


def test_an_answer_that_is_not_http_is_an_error_at_once_not_a_timeout():
    replies = [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a size\r\n"]

    async def scenario(http):
        http.timeout = 3
        return await loadgen.Citizen(http).request("page", "GET", "/bad")

    result, recorder, _seen = run(replies, scenario)
    assert result is None
    assert dict(recorder.errors) == {"page: ValueError": 1}
    assert max(recorder.latencies["page"]) < 1


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_a_value_is_quoted_as_urllib_quotes_a_form(text):
    assert loadgen.form_body({text: text}) == f"{quote_plus(text)}={quote_plus(text)}".encode("ascii")
