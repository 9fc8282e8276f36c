"""Approval chains for sales managers and admins: list, copy, add / move / remove steps, level → chain."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals import services as chains
from domain.errors import ValidationFailed
from domain.i18n import N_
from domain.orders.drafts import parse_int
from domain.parties.models import StaffUser
from domain.parties.roles import StaffRole
from web.auth import StaffViewer, require_signed_in
from web.change_labels import LABELS
from web.flash import flash_cookie
from web.templating import page


def _back(request: Request[Any, Any, Any], path: str, msgid: str, **params: Any) -> Redirect:
    response = Redirect(path, status_code=303)
    response.cookies.append(flash_cookie(request, "success", msgid, **params))
    return response


def _version(form: Any) -> int:
    version = parse_int(str(form.get("version", "")))
    if version is None:
        raise ValidationException("missing version")
    return version


class ApprovalChainsController(Controller):
    path = "/approval-chains"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:chains")
    async def index(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Template:
        chains.authorize_edit(viewer.actor())
        return await self._index(request, db_session, viewer, {})

    @post("/levels", name="bo:chains_levels")
    async def levels(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Any:
        chains.authorize_edit(viewer.actor())
        form = await request.form()
        try:
            for level in chains.LEVELS:
                chain_id = parse_int(str(form.get(f"chain-{level}", "")))
                if chain_id is None:
                    raise ValidationFailed({f"chain-{level}": N_("Choose a chain.")})
                await chains.set_level_chain(db_session, level, chain_id, actor=viewer.actor())
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._index(request, db_session, viewer, exc.errors, status_code=422)
        return _back(request, "/backoffice/approval-chains", N_("Level assignments saved."))

    @get("/{chain_id:int}", name="bo:chain")
    async def detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, chain_id: int
    ) -> Template:
        chains.authorize_edit(viewer.actor())
        return await self._detail(request, db_session, viewer, chain_id, {}, {})

    @post("/{chain_id:int}/copy", name="bo:chain_copy")
    async def copy(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, chain_id: int
    ) -> Any:
        form = await request.form()
        try:
            chain = await chains.copy_chain(
                db_session, chain_id, name=str(form.get("name", "")), actor=viewer.actor()
            )
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._detail(request, db_session, viewer, chain_id, exc.errors, {"name": str(form.get("name", ""))},
                                      status_code=422)  # fmt: skip
        return _back(
            request,
            f"/backoffice/approval-chains/{chain.id}",
            N_("Chain copied as %(name)s."),
            name=chain.name,
        )

    @post("/{chain_id:int}/nodes", name="bo:chain_add_node")
    async def add_node(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, chain_id: int
    ) -> Any:
        form = await request.form()
        limit_text = str(form.get("time_limit_hours", "")).strip()
        limit = parse_int(limit_text)
        node = chains.NodeInput(
            roles=tuple(str(r) for r in form.getall("roles", [])),
            user_ids=tuple(u for u in (parse_int(str(x)) for x in form.getall("users", [])) if u is not None),
            mode=str(form.get("mode", "")),
            time_limit_hours=limit if limit_text else None,
        )
        try:
            if limit_text and limit is None:
                raise ValidationFailed({"time_limit_hours": N_("Enter a whole number of hours.")})
            await chains.add_node(
                db_session, chain_id, node, expected_version=_version(form), actor=viewer.actor()
            )
        except ValidationFailed as exc:
            await db_session.rollback()
            values = {"mode": node.mode, "time_limit_hours": limit_text, "roles": list(node.roles)}
            return await self._detail(
                request, db_session, viewer, chain_id, exc.errors, values, status_code=422
            )
        return _back(request, f"/backoffice/approval-chains/{chain_id}", N_("Step added."))

    @post("/{chain_id:int}/nodes/{node_id:int}/move", name="bo:chain_move_node")
    async def move_node(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, chain_id: int,
        node_id: int,
    ) -> Any:  # fmt: skip
        form = await request.form()
        direction = str(form.get("direction", ""))
        if direction not in ("up", "down"):
            raise ValidationException("unknown direction")
        await chains.move_node(db_session, chain_id, node_id, direction, expected_version=_version(form),
                               actor=viewer.actor())  # fmt: skip
        return _back(request, f"/backoffice/approval-chains/{chain_id}", N_("Step moved."))

    @post("/{chain_id:int}/nodes/{node_id:int}/delete", name="bo:chain_remove_node")
    async def remove_node(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, chain_id: int,
        node_id: int,
    ) -> Any:  # fmt: skip
        form = await request.form()
        try:
            await chains.remove_node(db_session, chain_id, node_id, expected_version=_version(form),
                                     actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._detail(request, db_session, viewer, chain_id, exc.errors, {}, status_code=422)
        return _back(request, f"/backoffice/approval-chains/{chain_id}", N_("Step removed."))

    # --- helpers ---

    @staticmethod
    async def _index(
        request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, errors: dict[str, Any],
        status_code: int = 200,
    ) -> Template:  # fmt: skip
        context = {
            "viewer": viewer,
            "chains": await chains.list_chains(db_session),
            "levels": chains.LEVELS,
            "level_map": await chains.level_map(db_session),
            "errors": errors,
            "lbl": LABELS,
        }
        return page(request, "backoffice/approvals/index.html", context, status_code=status_code)

    @staticmethod
    async def _detail(
        request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, chain_id: int,
        errors: dict[str, Any], values: dict[str, Any], status_code: int = 200,
    ) -> Template:  # fmt: skip
        staff = (
            await db_session.execute(
                select(StaffUser.id, StaffUser.display_name)
                .where(StaffUser.active.is_(True))
                .order_by(StaffUser.display_name)
            )
        ).all()
        context = {
            "viewer": viewer,
            "chain": await chains.get_chain(db_session, chain_id),
            "roles": [r.value for r in StaffRole],
            "staff": staff,
            "errors": errors,
            "values": values,
            "lbl": LABELS,
        }
        return page(request, "backoffice/approvals/detail.html", context, status_code=status_code)
