"""A third-party publisher: speaks the HealthReport contract with nats-py and
msgpack only, none of healthmon's code. Used by tests/e2e to prove that any
client following the README is accepted.

usage: publish_report.py NATS_URL SITE_ID [SEQ]
"""
import asyncio
import sys
import time

import msgpack
import nats


async def main(url: str, site_id: str, seq: int) -> None:
    nc = await nats.connect(url)
    report = {
        "v": 1,
        "site_id": site_id,
        "instance": "python-client",
        "seq": seq,
        "sent_at_ms": int(time.time() * 1000),
        "interval_ms": 60000,
        "nodes": [
            {"name": "node-a", "role": "active"},
            {"name": "node-b", "role": "standby"},
        ],
        "connections": [
            {"name": "plc-1", "connected": True},
            {"name": "historian", "connected": False},
        ],
        # Integers where floats are expected, as many encoders write whole numbers.
        "script_errors": {"total": 3, "per_min": 0},
        "alarm_errors": {"total": 0, "per_min": 0.5},
        "sf_buffer": {"external": 1, "notification": 2, "db_write": 3},
        "custom": {"response_ms": 12.5},
        # A key from some future version: must be ignored.
        "firmware": "9.1",
    }
    await nc.publish(f"health.report.{site_id}", msgpack.packb(report))
    await nc.flush()
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1))
