"""Fault switches and the admin endpoint for a FastAPI app."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .faults import FaultConfigError, FaultSwitch


def install_faults(app: FastAPI, switch: FaultSwitch) -> None:
    """Apply `switch` before every business request and serve GET/POST/DELETE /admin/fault."""
    admin = APIRouter(prefix="/admin", tags=["admin"])
    log = logging.getLogger(f"{switch.service}.faults")

    @admin.get("/fault")
    async def get_fault() -> dict[str, Any]:
        return switch.current.as_dict()

    @admin.post("/fault", response_model=None)
    async def set_fault(changes: Annotated[Any, Body()]) -> dict[str, Any] | JSONResponse:
        if not isinstance(changes, dict):
            return JSONResponse(
                {"error": 'expected a JSON object such as {"error_rate": 0.5}'}, status_code=400
            )
        try:
            return switch.update(changes).as_dict()
        except FaultConfigError as err:
            return JSONResponse({"error": str(err)}, status_code=400)

    @admin.delete("/fault")
    async def reset_fault() -> dict[str, Any]:
        return switch.reset().as_dict()

    app.include_router(admin)

    @app.middleware("http")
    async def apply_faults(request: Request, call_next):
        if not switch.applies_to(request.url.path):
            return await call_next(request)
        switch.crash_if_set()
        delay = switch.delay_s()
        if delay:
            await asyncio.sleep(delay)
        if switch.should_fail():
            message = f"injected fault on {request.method} {request.url.path}"
            log.error("%s", message)
            return JSONResponse({"error": message}, status_code=500)
        return await call_next(request)


def install_json_errors(app: FastAPI) -> None:
    """Answer errors as {"error": "..."} like the other shop services do."""

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'][1:]) or 'body'}: {err['msg']}"
            for err in exc.errors()
        )
        return JSONResponse({"error": f"invalid request: {problems}"}, status_code=422)
