"""Bot Framework configuration from the environment, in the attribute names botbuilder's
`ConfigurationBotFrameworkAuthentication` reads (APP_ID, APP_PASSWORD, APP_TYPE, APP_TENANTID).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings import Settings

APP_TYPES = {"multitenant": "MultiTenant", "singletenant": "SingleTenant",
             "userassignedmsi": "UserAssignedMSI"}  # fmt: skip


@dataclass(frozen=True)
class BotConfig:
    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TYPE: str = "MultiTenant"
    APP_TENANTID: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> BotConfig:
        app_type = APP_TYPES.get((settings.microsoft_app_type or "").lower(), "MultiTenant")
        return cls(
            APP_ID=settings.microsoft_app_id or "",
            APP_PASSWORD=settings.microsoft_app_password or "",
            APP_TYPE=app_type,
            APP_TENANTID=settings.microsoft_app_tenant_id or "",
        )

    @property
    def authenticated(self) -> bool:
        """With an app id every request must carry a valid Bot Framework token."""
        return bool(self.APP_ID)
