#!/usr/bin/env python3
"""A real SMTP server for Vigil's email tests (aiosmtpd), on 127.0.0.1 and a port the kernel picks.

  smtp_peer.py --out DIR [--mode starttls|tls|plain] [--cert C --key K] [--auth USER:PASS]

Prints "PORT <n>" once it listens. Every message received is written to DIR as a JSON file
with the envelope, the raw message, whether TLS was in use, and who authenticated.
"""
import argparse, asyncio, json, os, signal, ssl, sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, out):
        self.out = out
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "auth_user": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
        }
        path = os.path.join(self.out, "msg-%03d.json" % self.n)
        with open(path + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK stored"


def main():
    # A parent may start us with SIGTERM blocked; take the default behaviour back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--mode", default="starttls", choices=["starttls", "tls", "plain"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    a = p.parse_args()

    context = None
    if a.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)

    authenticator = None
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

    recorder = Recorder(a.out)

    def factory():
        # With implicit TLS the whole connection is encrypted, but aiosmtpd only counts STARTTLS.
        kwargs = dict(hostname="peer.test", authenticator=authenticator, auth_required=bool(a.auth),
                      auth_require_tls=a.mode == "starttls")
        if a.mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        return SMTP(recorder, **kwargs)

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(factory, host="127.0.0.1", port=0,
                                          ssl=context if a.mode == "tls" else None)
        print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
