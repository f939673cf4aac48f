"""Traffic for the soak and the fault tests: several concurrent clients (threads, one httpx client each) send a
mix of reads, relationship changes, quotes, orders and cancellations to a server on 127.0.0.1, for a bounded time.

Every answer is recorded by status; a 5xx, a transport error (reset, refused) or a time-out (a hang) is a failure
unless the caller expects it (the fault test expects 503s while the database is away).
"""

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
from rest_framework_simplejwt.tokens import RefreshToken

from discounts import rules as discount_rules
from eventsite.tests.factories import DiscountCodeFactory, TicketFactory, UserFactory

from .seed import World

JSONAPI = "application/vnd.api+json"


@dataclass
class Traffic:
    organizer_token: str
    buyer_tokens: list[str]
    event_id: int
    code_id: int
    code_text: str
    ticket_ids: list[int]  # paid tickets of the event that the organizer attaches and detaches


def prepare(w: World, buyers: int = 8) -> Traffic:
    """Tickets and a limited code for the traffic, on top of the seeded world."""
    tickets = [TicketFactory(event=w.event, price=Decimal("40.00"), quantity=60, max_order=5) for _ in range(4)]
    code = DiscountCodeFactory(event=w.event, code="SOAK", value=Decimal("5.00"), tickets_number=25)
    discount_rules.attach_tickets(code=code, tickets=tickets[:2])
    tokens = [str(RefreshToken.for_user(UserFactory()).access_token) for _ in range(buyers)]
    return Traffic(
        organizer_token=str(RefreshToken.for_user(w.organizer).access_token),
        buyer_tokens=tokens,
        event_id=w.event.pk,
        code_id=code.pk,
        code_text=code.code,
        ticket_ids=[t.pk for t in tickets],
    )


@dataclass
class Results:
    statuses: Counter = field(default_factory=Counter)
    operations: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # 5xx (other than expected ones), transport errors, hangs
    unavailable_bodies_ok: bool = True  # every 503 was a JSON:API error document with status "503"
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if isinstance(s, int) and s >= 500)


class Client:
    def __init__(self, base: str, traffic: Traffic, token: str, rng: random.Random, timeout: float):
        self.http = httpx.Client(base_url=base, timeout=timeout)
        self.t = traffic
        self.token = token
        self.rng = rng
        self.my_orders: list[str] = []

    def auth(self, token=None):
        return {"Authorization": f"JWT {token or self.token}"}

    def op(self):
        t, rng = self.t, self.rng
        choice = rng.choices(
            ["read", "read_code", "relationship", "quote", "check", "order", "cancel"], [4, 2, 2, 2, 1, 3, 1]
        )[0]
        if choice == "read":
            path = rng.choice(["/v1/events", f"/v1/events/{t.event_id}/tickets", "/v1/tickets?include=event"])
            return choice, self.http.get(path)
        if choice == "read_code":
            return choice, self.http.get(
                f"/v1/discount-codes/{t.code_id}?include=tickets", headers=self.auth(t.organizer_token)
            )
        if choice == "relationship":
            ticket = rng.choice(t.ticket_ids)
            method = rng.choice(["POST", "DELETE"])
            body = {"data": [{"type": "ticket", "id": str(ticket)}]}
            return choice, self.http.request(
                method,
                f"/v1/discount-codes/{t.code_id}/relationships/tickets",
                json=body,
                headers=self.auth(t.organizer_token) | {"Content-Type": JSONAPI},
            )
        lines = [{"id": str(rng.choice(t.ticket_ids)), "quantity": rng.randint(1, 3)}]
        if choice == "quote":
            return choice, self.http.post(
                "/v1/orders/calculate-amount", json={"tickets": lines, "discount-code": t.code_text}
            )
        if choice == "check":
            return choice, self.http.get(f"/v1/events/{t.event_id}/discount-codes/{t.code_text.lower()}")
        if choice == "cancel" and self.my_orders:
            order = self.my_orders.pop(rng.randrange(len(self.my_orders)))
            body = {"data": {"type": "order", "id": order, "attributes": {"status": "cancelled"}}}
            return choice, self.http.patch(
                f"/v1/orders/{order}", json=body, headers=self.auth() | {"Content-Type": JSONAPI}
            )
        attributes = {"tickets": lines} | ({"code": t.code_text} if rng.random() < 0.6 else {})
        response = self.http.post(
            "/v1/orders",
            json={"data": {"type": "order", "attributes": attributes}},
            headers=self.auth() | {"Content-Type": JSONAPI},
        )
        if response.status_code == 201:
            self.my_orders.append(response.json()["data"]["id"])
        return "order", response


def run(
    base: str,
    traffic: Traffic,
    *,
    seconds: float,
    clients: int = 6,
    seed: int = 7,
    timeout: float = 15.0,
    expected_5xx: frozenset = frozenset(),
    max_requests: int = 1_000_000,
) -> Results:
    """Send traffic from ``clients`` threads for ``seconds`` (bounded also by ``max_requests``)."""
    results = Results()
    deadline = time.monotonic() + seconds

    def worker(index: int):
        client = Client(
            base,
            traffic,
            traffic.buyer_tokens[index % len(traffic.buyer_tokens)],
            random.Random(seed + index),
            timeout,
        )
        try:
            while time.monotonic() < deadline and results.requests < max_requests:
                try:
                    name, response = client.op()
                except httpx.TimeoutException as error:
                    with results.lock:
                        results.statuses["timeout"] += 1
                        results.failures.append(f"hang: {error!r}")
                    continue
                except httpx.TransportError as error:
                    with results.lock:
                        results.statuses["transport"] += 1
                        results.failures.append(f"transport: {error!r}")
                    time.sleep(0.05)
                    continue
                status = response.status_code
                with results.lock:
                    results.statuses[status] += 1
                    results.operations[name] += 1
                    if status >= 500 and status not in expected_5xx:
                        results.failures.append(f"{name} {status}: {response.text[:300]}")
                    if status == 503:
                        try:
                            ok = response.json()["errors"][0]["status"] == "503"
                        except Exception:
                            ok = False
                        if not ok:
                            results.unavailable_bodies_ok = False
                            results.failures.append(f"503 without a JSON:API body: {response.text[:300]}")
        finally:
            client.http.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout + 30)
    return results
