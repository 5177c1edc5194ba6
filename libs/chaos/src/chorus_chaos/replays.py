"""Every projection the services declare, rebuilt from the topics and compared with the live one."""

from chorus_chaos.system import ChaosSystem
from chorus_chaos.verdict import Verdict
from chorus_ops.projections import declared_projections
from chorus_ops.replay import replay

CATCH_UP_SECONDS = 60.0


async def check_projections(system: ChaosSystem, verdict: Verdict) -> None:
    """Verify only: nothing is switched, the live projections keep serving."""
    for name, spec in sorted(declared_projections().items()):
        owner = str(spec.settings.model_fields["service_name"].default)
        settings = system.service_settings(spec.settings, store=owner)
        report = await replay(spec, settings, catch_up_timeout=CATCH_UP_SECONDS)
        if not report.live_caught_up:
            verdict.unsettled(f"projection {name}: the live consumers did not catch up")
        for difference in report.differences:
            if not difference.equal:
                verdict.differs(
                    f"projection {name}, {difference.collection}: {difference.missing} missing, "
                    f"{difference.extra} extra, {difference.changed} changed (e.g. {difference.examples})"
                )
