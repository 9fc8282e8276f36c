"""/api/v1/orders: create (idempotent), read one, and the changed-since feed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import provide_client
from api.problems import COMMON_RESPONSES, PROBLEM_JSON, problem, problem_text, spec, validation_problem
from api.schemas import OrderIn, OrderList, OrderOut, order_out, summary_out
from domain.api_access import idempotency as idem
from domain.api_access.services import api_actor, touch
from domain.errors import ValidationFailed
from domain.orders import queries
from domain.orders.external_intake import CodedLine, CodedOrder, create_coded_order
from domain.orders.feed import BadCursor, changed_orders

CREATE_DESCRIPTION = f"""Creates the order and submits it for review (channel `api`), exactly as an order
entered at the sales desk: the same checks, the same duplicate-PO rule.

**Idempotency-Key** is required (draft-ietf-httpapi-idempotency-key-header): send a fresh UUID per
order and the same key when you retry. The same key with the same body answers the first answer
again (same status, same body); with a different body → 422; while the first request is still
running → 409. Keys are scoped to your client and kept at least
{int(idem.KEEP_FOR.total_seconds() // 3600)} hours."""

FEED_DESCRIPTION = """Orders changed at or after `changed_since`, oldest change first, in a stable
order (updated_at, then id). Follow `next_cursor` until it is null. Transactions commit a moment
after they stamp `updated_at`: start the next poll from a minute before the newest `updated_at` you
saw and skip versions you already have."""


class OrdersApi(Controller):
    path = "/orders"
    tags = ["orders"]  # noqa: RUF012

    @post(
        "/",
        opt={"scope": "orders:write"},
        status_code=201,
        summary="Create and submit an order",
        description=CREATE_DESCRIPTION,
        responses={
            **COMMON_RESPONSES,
            409: spec(409, "A request with this Idempotency-Key is still being processed"),
        },
    )
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        data: JSONBody[OrderIn],
        idempotency_key: Annotated[
            str,
            HeaderParameter(
                name="Idempotency-Key",
                description="A unique key per order, e.g. a UUID",
                min_length=1,
                max_length=idem.MAX_KEY,
            ),
        ],
    ) -> Response[OrderOut]:
        key = idem.parse_key(idempotency_key)
        if key is None:
            return problem(400, "The Idempotency-Key header must be 1–255 printable ASCII characters.")
        client = provide_client(request)
        fingerprint = idem.fingerprint(msgspec.to_builtins(data))
        own = AsyncSession(db_session.bind, expire_on_commit=False)  # the claim commits on its own
        async with own:
            try:
                claimed = await idem.claim(
                    own,
                    client_id=client.id,
                    key=key,
                    method="POST",
                    path=request.url.path,
                    fingerprint=fingerprint,
                )
                await own.commit()
            except idem.KeyReused:
                return problem(422, "This Idempotency-Key was used for a different request.",
                               type_="urn:orderpulse:problem:idempotency-key-reused")  # fmt: skip
            except idem.KeyInFlight:
                return problem(409, "A request with this Idempotency-Key is still being processed; retry later.",
                               type_="urn:orderpulse:problem:idempotency-key-in-flight")  # fmt: skip
        if isinstance(claimed, idem.StoredResponse):
            media = "application/json" if claimed.status < 400 else PROBLEM_JSON
            return Response(
                claimed.body.encode(), status_code=claimed.status, media_type=media, headers=claimed.headers
            )
        coded = CodedOrder(
            customer_code=data.customer, requested_date=data.requested_date.isoformat(),
            customer_po=data.customer_po or "", special_requirements=data.special_requirements,
            lines=[CodedLine(part_no=line.part_no, quantity=str(line.quantity)) for line in data.lines],
        )  # fmt: skip
        try:
            order = await create_coded_order(db_session, coded, api_actor(client), channel="api", submit=True)
        except ValidationFailed as exc:
            answer = validation_problem(exc)
            text = problem_text(answer)
            await self._finish_apart(db_session, claimed, status=422, body=text)
            return Response(text.encode(), status_code=422, media_type=PROBLEM_JSON)
        except Exception:
            await self._finish_apart(db_session, claimed, status=None, body=None)
            raise
        body = msgspec.json.encode(order_out(await queries.get_order(db_session, order.order_no)))
        headers = {"Location": f"/api/v1/orders/{order.order_no}"}
        await idem.complete(db_session, claimed, status=201, body=body.decode(), headers=headers)
        touch(client)
        return Response(body, status_code=201, headers=headers, media_type="application/json")

    @staticmethod
    async def _finish_apart(
        db_session: AsyncSession, claimed: idem.Claim, *, status: int | None, body: str | None
    ) -> None:
        """The request's transaction is rolled back: store the error answer (or give the key back) in
        a transaction of its own."""
        await db_session.rollback()
        async with AsyncSession(db_session.bind) as own:
            if status is None or body is None:
                await idem.release(own, claimed)
            else:
                await idem.complete(own, claimed, status=status, body=body)
            await own.commit()

    @get(
        "/{order_no:str}",
        opt={"scope": "orders:read"},
        summary="Read one order with its lines",
        responses={**COMMON_RESPONSES, 404: spec(404, "No order with this number")},
    )
    async def read(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        order_no: Annotated[str, PathParameter(max_length=20, description="e.g. SO-2026-000123")],
    ) -> OrderOut:
        order = await queries.get_order(db_session, order_no)
        touch(provide_client(request))
        return order_out(order)

    @get(
        "/",
        opt={"scope": "orders:read"},
        summary="Orders changed since a time",
        description=FEED_DESCRIPTION,
        responses=COMMON_RESPONSES,
    )
    async def feed(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        changed_since: Annotated[
            dt.datetime | None,
            QueryParameter(description="ISO 8601 time, e.g. 2026-05-01T08:00:00+08:00 (no offset: UTC)"),
        ] = None,
        cursor: Annotated[
            str | None, QueryParameter(max_length=200, description="`next_cursor` of the previous page")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200, description="Orders per page")] = 50,
    ) -> Response[OrderList]:
        if changed_since is not None and changed_since.tzinfo is None:
            changed_since = changed_since.replace(tzinfo=dt.UTC)
        try:
            result = await changed_orders(db_session, since=changed_since, cursor=cursor, limit=limit)
        except BadCursor:
            return problem(
                400, "The cursor is not one this API gave out.", errors={"cursor": "Invalid cursor."}
            )
        touch(provide_client(request))
        return Response(
            OrderList(items=[summary_out(r) for r in result.rows], next_cursor=result.next_cursor)
        )
