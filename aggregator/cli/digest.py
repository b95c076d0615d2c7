"""``aggregator digest preview|send``: the email digests.

``digest preview`` writes the HTML and text a subscriber would get now, recording nothing;
``digest send`` runs the delivery log for this period (see :mod:`aggregator.publish.delivery`).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from aggregator.cli.support import frequency_choice, runtime_of
from aggregator.display import table
from aggregator.publish.delivery import DeliveryPolicy, DigestRunner, RunReport
from aggregator.store.subscribers import Frequency


@click.group()
def digest() -> None:
    """Email digests."""


@digest.command("preview")
@click.argument("email")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder for digest.html, digest.txt and digest.eml.",
)
@click.pass_context
def digest_preview(ctx: click.Context, email: str, out: Path) -> None:
    """Write the digest EMAIL would get now; nothing is sent or recorded."""
    runtime = runtime_of(ctx)
    runner = DigestRunner(runtime.engine, runtime.settings, clock=runtime.clock)
    message = runner.preview(email)
    if message is None:
        click.echo(f"nothing new for {email}: no digest would be sent")
        return
    out.mkdir(parents=True, exist_ok=True)
    for subtype, name in (("plain", "digest.txt"), ("html", "digest.html")):
        part = message.get_body((subtype,))
        assert part is not None
        (out / name).write_text(part.get_content(), encoding="utf-8")
    (out / "digest.eml").write_bytes(bytes(message))
    click.echo(f"{message['Subject']}\nwrote {out / 'digest.html'} and {out / 'digest.txt'}")


@digest.command("send")
@click.option("--frequency", type=frequency_choice(), required=True)
@click.option("--dry-run", is_flag=True, help="Show who would get how many items; send nothing.")
@click.option(
    "--retry-for",
    type=click.IntRange(0),
    default=900,
    show_default=True,
    help="Seconds to keep retrying temporary failures before leaving them to the next run.",
)
@click.option(
    "--connections",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="SMTP connections used at once (the rate limit is shared by all).",
)
@click.pass_context
def digest_send(
    ctx: click.Context, frequency: str, dry_run: bool, retry_for: int, connections: int
) -> None:
    """Send this period's digests (re-running a period sends nothing twice)."""
    runtime = runtime_of(ctx)
    policy = DeliveryPolicy(retry_for=timedelta(seconds=retry_for), connections=connections)
    runner = DigestRunner(runtime.engine, runtime.settings, clock=runtime.clock, policy=policy)
    report = runner.run(Frequency(frequency), dry_run=dry_run)
    if dry_run:
        click.echo(table(["email", "items"], [[e, n] for e, n in report.planned]))
    click.echo(_summary(report, dry_run))
    if report.failed and not report.sent:
        ctx.exit(1)


def _summary(report: RunReport, dry_run: bool) -> str:
    if dry_run:
        would = sum(1 for _, n in report.planned if n)
        return f"{report.frequency.value} {report.period}: {would} digest(s) would be sent"
    return (
        f"{report.frequency.value} {report.period}: sent {report.sent}, "
        f"nothing new {report.empty}, already done {report.skipped}, "
        f"retrying {report.retrying}, failed {report.failed} "
        f"(newly bounced {report.bounced}), outcome unknown {report.unknown}"
    )
