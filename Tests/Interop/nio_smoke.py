#!/usr/bin/env python3
"""A real Matrix client library (matrix-nio) against a running Myelin: register, log in, whoami, log out.

Usage: nio_smoke.py BASE_URL. Exits 0 when every step behaved; prints what failed otherwise.
"""
import asyncio
import sys

from nio import AsyncClient, LoginResponse, LogoutResponse, RegisterResponse, WhoamiResponse

PASSWORD = "a long enough password"


async def main(base_url: str) -> int:
    client = AsyncClient(base_url, "nio-user")
    try:
        registered = await client.register("nio-user", PASSWORD, device_name="nio register")
        if not isinstance(registered, RegisterResponse):
            print(f"register failed: {registered}")
            return 1
        print(f"registered {registered.user_id} on device {registered.device_id}")

        other = AsyncClient(base_url, "@nio-user:localhost")
        login = await other.login(PASSWORD, device_name="nio login")
        if not isinstance(login, LoginResponse):
            print(f"login failed: {login}")
            return 1
        print(f"logged in as {login.user_id} on device {login.device_id}")

        who = await other.whoami()
        if not isinstance(who, WhoamiResponse) or who.user_id != login.user_id or who.device_id != login.device_id:
            print(f"whoami wrong: {who}")
            return 1
        print(f"whoami: {who.user_id} {who.device_id}")

        out = await other.logout()
        if not isinstance(out, LogoutResponse):
            print(f"logout failed: {out}")
            return 1
        after = await other.whoami()
        if isinstance(after, WhoamiResponse):
            print("the token still works after logout")
            return 1
        print("logged out; the old token is refused")

        wrong = AsyncClient(base_url, "@nio-user:localhost")
        refused = await wrong.login("not the password")
        if isinstance(refused, LoginResponse):
            print("a wrong password was accepted")
            return 1
        await wrong.close()
        await other.close()
        print("nio smoke test passed")
        return 0
    finally:
        await client.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
