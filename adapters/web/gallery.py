"""The persona gallery: `GET /personas` (a grid of persona tiles) and `GET /personas/{slug}`
(a visual one-pager). Unknown slugs get a 404 with "did you mean"; a name or unique prefix
("Maya", "maya-chen") redirects to the persona's page."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from adapters.web.gallery_views import one_pager, tile
from adapters.web.site import Site
from bot.features.gaps import gap_health, gap_summaries
from bot.features.surveys import prediction_records

DECISIONS_SHOWN = 5  # the latest decisions a persona's page lists


class Gallery:
    def __init__(self, site: Site) -> None:
        self.site = site

    def routes(self) -> list[web.RouteDef]:
        g = self.site.guard
        return [
            web.get("/personas", g(self.index)),
            web.get("/personas/", g(self.index)),
            web.get("/personas/{slug}", g(self.persona)),
        ]

    async def index(self, request: web.Request) -> web.Response:
        site = self.site
        ws = await site.workspace_id()
        personas = await site.deps.db(site.deps.store.list_personas, ws)
        order = {"primary": 0, "secondary": 1, "negative": 2}
        personas.sort(key=lambda p: (order.get(p.kind, 3), p.name))
        now = site.deps.now()
        ids = [p.id for p in personas]
        records = await prediction_records(site.deps, ws, ids)
        decisions = await site.deps.db(site.deps.repos.decisions.considered, ws, ids, latest=0)
        gaps = await gap_summaries(site.deps, ws, ids)
        numbers = await gap_health(site.deps, ws, ids)
        tiles = [
            tile(
                p,
                now,
                records.get(p.id),
                decisions.get(p.id),
                gaps.get(p.id),
                (numbers.get(p.id) or [None])[0],
            )  # fmt: skip
            for p in personas
        ]
        return site.page(request, "gallery.html", nav="personas", personas=tiles)

    async def persona(self, request: web.Request) -> web.Response:
        site = self.site
        slug = request.match_info["slug"][:200]
        ws = await site.workspace_id()
        persona = await site.deps.db(site.deps.store.get, ws, slug)
        if persona is None:
            found = await site.deps.db(site.deps.store.lookup, ws, slug.replace("-", " "))
            if found.persona is not None:
                return web.Response(
                    status=302, headers={"Location": f"/personas/{quote(found.persona.slug)}"}
                )
            personas = await site.deps.db(site.deps.store.list_personas, ws)
            by_name = {p.name: p.slug for p in personas}
            names = found.suggestions or found.ambiguous
            suggestions = [{"name": n, "slug": by_name[n]} for n in names if n in by_name]
            resp = site.error_page(
                request,
                404,
                "No such persona",
                f"I don't know a persona called \u2018{slug}\u2019.",
                suggestions,
            )
            return resp
        records = await prediction_records(site.deps, ws, [persona.id])
        decisions = await site.deps.db(
            site.deps.repos.decisions.considered, ws, [persona.id], latest=DECISIONS_SHOWN
        )
        gaps = await gap_summaries(site.deps, ws, [persona.id])
        numbers = await gap_health(site.deps, ws, [persona.id], quarters=4)
        data = one_pager(
            persona, site.deps.now(), records.get(persona.id), decisions[persona.id],
            gaps.get(persona.id), numbers.get(persona.id, []),
        )  # fmt: skip
        return site.page(request, "persona.html", nav="personas", p=data)
