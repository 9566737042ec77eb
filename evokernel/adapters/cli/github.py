"""``evokernel github detect | run | status``: the closed loop on a GitHub repository.

The token is read here, once, from ``GITHUB_TOKEN`` (or ``--token-env NAME``), and a redacting
filter is put on every log handler before anything talks to GitHub; below this module the
token is only ever passed as an argument.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.table import Table

from evokernel.adapters.agents.factory import make_agent
from evokernel.adapters.cli.errors import ExitCode
from evokernel.adapters.cli.options import AgentOption, JsonOption, StoreOption
from evokernel.adapters.cli.render import emit, key_value_table
from evokernel.adapters.cli.state import CliState, cli_state
from evokernel.adapters.github import (
    DEFAULT_API_URL,
    DEFAULT_LABEL,
    DEFAULT_TOKEN_ENVS,
    DetectAction,
    DetectReport,
    GitHubLoopSettings,
    LoopStatus,
    TickReport,
    default_clone_url,
    install_redaction,
    open_github_loop,
    read_status,
    token_from_environ,
)
from evokernel.application.kernel.agent import Agent

INTERRUPTED = ExitCode.INTERRUPTED

app = typer.Typer(
    help="The GitHub loop: failures become issues, labelled issues become validated pull "
    "requests, and merges or closures feed the capsules' confidence.",
    no_args_is_help=True,
)

RepoOption = Annotated[str, typer.Option("--repo", help="The repository on GitHub: OWNER/NAME.")]
CloneOption = Annotated[
    str | None,
    typer.Option(
        "--clone",
        help="Git URL to fetch and push: https://... without credentials, or a path "
        "(default: https://github.com/OWNER/NAME.git, or the --api-url host's).",
    ),
]
GitHubTokenOption = Annotated[
    str | None,
    typer.Option(
        "--token-env",
        help="Environment variable that holds the token (default: GH_TOKEN, then GITHUB_TOKEN).",
    ),
]
ApiUrlOption = Annotated[
    str,
    typer.Option("--api-url", help="REST base URL; GitHub Enterprise: https://HOST/api/v3."),
]
LabelOption = Annotated[
    str, typer.Option("--label", help="Intake label; the loop's own labels add :pr-open etc.")
]
WorkdirOption = Annotated[
    Path | None,
    typer.Option(
        "--workdir",
        help="Where the local clone lives (default: github/ next to the store).",
        file_okay=False,
    ),
]


@app.command("detect")
def detect(
    ctx: typer.Context,
    repo: RepoOption,
    clone: CloneOption = None,
    api_url: ApiUrlOption = DEFAULT_API_URL,
    token_env: GitHubTokenOption = None,
    label: LabelOption = DEFAULT_LABEL,
    cooldown_hours: Annotated[
        float,
        typer.Option(
            "--cooldown-hours",
            min=0,
            help="No new issue for a failure whose issue closed less than this ago.",
        ),
    ] = 24.0,
    workdir: WorkdirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Validate the default branch; if it fails, open one issue for the failure.

    The issue carries the intake label, a readable failure report and a hidden marker
    <!-- evokernel:signature=... -->. Before opening one, GitHub is searched for an open issue
    with that marker and for one closed within the cooldown: never a duplicate.

    Exits 0 when the branch passes or the failure is reported; 1 when the sandbox failed.

    \b
    Example:
        GITHUB_TOKEN=... evokernel github detect --repo octo/shop \\
            --clone https://github.com/octo/shop.git --json
    """
    state = cli_state(ctx)
    token = _token(token_env)
    clone = clone or default_clone_url(repo, api_url)
    settings = _settings(
        state, repo, clone, label, workdir, store, cooldown_s=cooldown_hours * 3600
    )
    with open_github_loop(
        state.config, settings, token=token, api_url=api_url, store_dir=state.store_dir(store)
    ) as loop:
        report = loop.detect()
    emit(report, json, _detect_view)
    if report.action is DetectAction.INFRA_FAILURE:
        raise typer.Exit(ExitCode.CHECK_FAILED)


@app.command("run")
def run(
    ctx: typer.Context,
    repo: RepoOption,
    clone: CloneOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="One pass, then exit (the default).")
    ] = False,
    interval: Annotated[
        float | None,
        typer.Option("--interval", min=1, help="Seconds between passes; runs until Ctrl-C."),
    ] = None,
    max_ticks: Annotated[
        int | None,
        typer.Option("--max-ticks", min=1, help="With --interval: stop after this many passes."),
    ] = None,
    label: LabelOption = DEFAULT_LABEL,
    api_url: ApiUrlOption = DEFAULT_API_URL,
    token_env: GitHubTokenOption = None,
    agent: AgentOption = None,
    max_attempts: Annotated[
        int | None,
        typer.Option("--max-attempts", min=1, help="Agent attempts per issue."),
    ] = None,
    workdir: WorkdirOption = None,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Deliver labelled issues as validated pull requests; feed merges and closures back.

    Each pass first reconciles: a merged evo pull request records an approval by whoever
    merged it (the capsule's confidence rises), a closed one a rejection. Then every open
    issue with the label, labelled by someone with write access, is solved on branch
    evo/issue-N (replay first, then the agent), committed with Evo-Run / Evo-Capsule
    trailers, pushed, and proposed in a pull request with the evidence. Every step looks
    for its earlier result on GitHub first, so a restart never duplicates anything.

    Exits 0 when no issue failed; 1 otherwise; 130 on Ctrl-C.

    \b
    Example:
        GITHUB_TOKEN=... evokernel github run --repo octo/shop \\
            --clone https://github.com/octo/shop.git --once --agent scripted:fixes.toml
        evokernel github run --repo octo/shop --clone https://github.com/octo/shop.git \\
            --interval 300 --token-env EVO_BOT_TOKEN --agent 'cmd:"my-agent"'
    """
    if once and interval is not None:
        raise typer.BadParameter("use either --once or --interval", param_hint="--once")
    if max_ticks is not None and interval is None:
        raise typer.BadParameter("--max-ticks needs --interval", param_hint="--max-ticks")
    state = cli_state(ctx)
    token = _token(token_env)
    clone = clone or default_clone_url(repo, api_url)
    settings = _settings(state, repo, clone, label, workdir, store, max_attempts=max_attempts)
    chosen = _agent(state, agent, token_env, token)
    with open_github_loop(
        state.config,
        settings,
        token=token,
        api_url=api_url,
        store_dir=state.store_dir(store),
        agent=chosen,
    ) as loop:
        if interval is None:
            report = loop.tick()
            emit(report, json, _tick_view)
            if not report.ok:
                raise typer.Exit(ExitCode.CHECK_FAILED)
            return
        try:
            loop.run(interval, max_ticks=max_ticks, on_tick=lambda r: emit(r, json, _tick_view))
        except KeyboardInterrupt:
            raise typer.Exit(INTERRUPTED) from None


@app.command("status")
def status(
    ctx: typer.Context,
    repo: RepoOption,
    api_url: ApiUrlOption = DEFAULT_API_URL,
    token_env: GitHubTokenOption = None,
    label: LabelOption = DEFAULT_LABEL,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """What the loop knows: issues taken, branches, pull requests, verdicts, confidence.

    Read from GitHub (labels, branches, pull requests) and the store (runs, capsules,
    recorded verdicts); the store is only read, and no sandbox is needed.

    \b
    Example:
        GITHUB_TOKEN=... evokernel github status --repo octo/shop --json
    """
    state = cli_state(ctx)
    token = _token(token_env)
    settings = GitHubLoopSettings.build(repo=repo, label=label)
    result = read_status(
        settings,
        token=token,
        api_url=api_url,
        store_dir=state.store_dir(store),
        confidence_config=state.config.confidence,
    )
    emit(result, json, _status_view)


# -- parsing helpers ------------------------------------------------------------------------


def _token(token_env: str | None) -> str:
    """The token, read once; from here on every log handler redacts it."""
    token = token_from_environ(os.environ, token_env)
    install_redaction([token])
    return token


def _settings(
    state: CliState,
    repo: str,
    clone: str,
    label: str,
    workdir: Path | None,
    store: Path | None,
    **more: object,
) -> GitHubLoopSettings:
    base = workdir.absolute() if workdir else state.store_dir(store).absolute().parent / "github"
    fields = {"repo": repo, "clone_url": clone, "label": label, "workdir": base, **more}
    return GitHubLoopSettings.build(**{k: v for k, v in fields.items() if v is not None})


def _agent(state: CliState, spec: str | None, token_env: str | None, token: str) -> Agent | None:
    """The agent; its environment never holds the GitHub token."""
    if not spec:
        return None
    hidden = {token_env} if token_env else set(DEFAULT_TOKEN_ENVS)
    environ = {
        name: value
        for name, value in os.environ.items()
        if name not in hidden and token not in value
    }
    return make_agent(spec, state.config.agents, environ=environ)


# -- views ----------------------------------------------------------------------------------


def _detect_view(report: DetectReport) -> RenderableType:
    rows = [
        ("repository", report.repo),
        ("branch", f"{report.default_branch} @ {report.base_rev[:12]}"),
        ("action", report.action.value),
        ("detail", report.detail),
        ("issue", f"#{report.issue_number} {report.issue_url}" if report.issue_number else None),
        ("failing tests", ", ".join(report.failing_tests) or None),
        ("marker", report.marker),
        ("run", report.run_id),
    ]
    return key_value_table("github detect", [(k, v) for k, v in rows if v])


def _tick_view(report: TickReport) -> RenderableType:
    parts: list[RenderableType] = []
    if report.verdicts:
        verdicts = Table(title="verdicts", title_justify="left")
        for column in ("issue", "pr", "decision", "approver", "capsule", "confidence"):
            verdicts.add_column(column, no_wrap=column != "capsule")
        for verdict in report.verdicts:
            before, after = verdict.confidence_before, verdict.confidence_after
            moved = f"{before:.2f} -> {after:.2f}" if before is not None and after else ""
            verdicts.add_row(
                f"#{verdict.issue_number}",
                f"#{verdict.pr_number}",
                verdict.decision.value,
                verdict.approver,
                verdict.capsule_id or "",
                moved,
            )
        parts.append(verdicts)
    issues = Table(title=f"github run: {report.repo}", title_justify="left")
    for column in ("issue", "action", "pr", "run", "agent calls", "detail"):
        issues.add_column(column, no_wrap=column != "detail")
    for issue in report.issues:
        issues.add_row(
            f"#{issue.number}",
            issue.action.value,
            f"#{issue.pr_number}" if issue.pr_number else "",
            issue.run_id or "",
            str(issue.agent_calls),
            issue.detail,
        )
    parts.append(issues)
    return Group(*parts)


def _status_view(result: LoopStatus) -> RenderableType:
    table = Table(title=f"github status: {result.repo}", title_justify="left")
    for column in ("issue", "state", "labels", "branch", "pr", "verdict", "confidence"):
        table.add_column(column, no_wrap=column not in {"labels"})
    for issue in result.issues:
        pr = ""
        if issue.pr_number:
            pr = f"#{issue.pr_number} " + ("merged" if issue.merged else issue.pr_state or "")
        table.add_row(
            f"#{issue.number}",
            issue.state,
            ", ".join(issue.labels),
            issue.branch if issue.branch_sha else "",
            pr,
            issue.verdict.value if issue.verdict else "",
            f"{issue.confidence:.2f}" if issue.confidence is not None else "",
        )
    return table
