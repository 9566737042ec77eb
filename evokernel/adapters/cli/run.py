"""``evokernel run | replay | capture``: one task through the kernel from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from evokernel.adapters.agents.factory import make_agent
from evokernel.adapters.cli.errors import ExitCode
from evokernel.adapters.cli.options import GitRepoOption, JsonOption, RevOption, StoreOption
from evokernel.adapters.cli.render import emit, key_value_table
from evokernel.adapters.cli.state import cli_state
from evokernel.adapters.devloop.errors import DirtyTreeError
from evokernel.adapters.devloop.repository import dirty_paths
from evokernel.application.config import EvoConfig
from evokernel.application.kernel import CaptureReport, Landing, ReplayDecision, SolveResult
from evokernel.application.landing import BranchLander
from evokernel.application.runtime import open_runtime
from evokernel.application.tasks import task_for_repo
from evokernel.domain.models import AgentTask, parse_proposal
from evokernel.errors import ProposalError


def _task_and_lander(
    config: EvoConfig,
    repo: Path,
    description: str,
    base_rev: str,
    branch: str | None,
    allow_dirty: bool,
    store_dir: Path | None,
) -> tuple[AgentTask, BranchLander | None]:
    """The task at ``base_rev`` of ``repo`` and the ``--apply`` lander, bad input refused first.

    Work from HEAD only on a clean tree, as ``devloop`` does: uncommitted changes would be
    silently left out of what is validated and landed (the store itself does not count). The
    lander commits on ``branch`` in a temporary worktree with ``Evo-Run``/``Evo-Capsule``
    trailers, never on the checked-out branch.

    Raises:
        DirtyTreeError: working from HEAD with uncommitted changes and not ``allow_dirty``.
        LandingBranchError: a bad branch name, or the checked-out branch.
    """
    if not allow_dirty and base_rev == "HEAD":
        dirty = dirty_paths(repo, ignore=[store_dir or config.store.path])
        if dirty:
            raise DirtyTreeError(repo, dirty)
    task = task_for_repo(repo, config, description, base_rev=base_rev)
    if not branch:
        return task, None
    message = f"evokernel: {description or task.task_id}"
    return task, BranchLander(Path(task.repo_path), task.base_rev, branch, message)


def _exit_unless(done: bool, landing: Landing | None) -> None:
    """Exit 1 unless the task was done and, with ``--apply``, its change landed.

    Raises:
        typer.Exit: ``CHECK_FAILED``, the reason code and next action printed say why.
    """
    if not done or (landing is not None and not landing.landed):
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _read_proposal_file(path: Path) -> bytes:
    """The bytes of a proposal file.

    Raises:
        ProposalError: the file is missing, a directory, or cannot be read.
    """
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ProposalError(f"cannot read proposal file {path}: {exc.strerror or exc}") from exc


TaskOption = Annotated[str, typer.Option("--task", help="What must be done, in words.")]
AllowDirtyOption = Annotated[
    bool,
    typer.Option(
        "--allow-dirty",
        help="Work from HEAD although the working tree has uncommitted changes (left alone).",
    ),
]
"""``--allow-dirty``: as ``devloop``'s, for ``run`` and ``replay`` working from HEAD."""

RunIdOption = Annotated[
    str | None, typer.Option("--run-id", help="Use this run id instead of a generated one.")
]


def run(
    ctx: typer.Context,
    repo: GitRepoOption,
    task: TaskOption = "",
    agent: Annotated[
        str,
        typer.Option(
            "--agent",
            help='The agent: scripted:FILE, cmd:"COMMAND" or chat:MODEL (see docs/agents.md).',
        ),
    ] = "",
    run_id: RunIdOption = None,
    apply: Annotated[
        str | None,
        typer.Option(
            "--apply", help="Commit the validated change on this branch (never the current one)."
        ),
    ] = None,
    rev: RevOption = "HEAD",
    allow_dirty: AllowDirtyOption = False,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Solve one task: replay a stored capsule first, else ask the agent (with feedback).

    Works from HEAD (or --rev) of --repo, in a temporary worktree; a tree with uncommitted
    changes is refused unless --allow-dirty (they would not be part of what is validated).
    The store is the one --repo's configuration names, unless --store says otherwise.

    Exit codes: 0 the change was captured or replayed (and landed, with --apply); 1 it was
    not (the reason code and next action say why), or landing failed; 2 bad input (a bad
    option, agent spec, branch or repository, a dirty tree); 130 interrupted by Ctrl-C (the
    run is recorded as interrupted).

    \b
    Example:
        evokernel run --repo . --task "fix the failing cart test" --agent scripted:fixes.toml
        evokernel run --repo . --task "fix it" --agent 'cmd:"my-agent --task-file {task_file}"' \\
            --apply evo/fix-cart --json
    """
    state = cli_state(ctx)
    if not agent:
        raise typer.BadParameter("an agent is needed: --agent scripted:FILE|cmd:...|chat:MODEL")
    config, store_dir = state.config, state.store_dir(store, repo)
    chosen = make_agent(agent, config.agents)
    agent_task, lander = _task_and_lander(config, repo, task, rev, apply, allow_dirty, store_dir)
    with open_runtime(config, store_dir) as runtime:
        result = runtime.kernel.solve(agent_task, chosen, run_id=run_id, lander=lander)
    emit(result, json, _solve_view)
    _exit_unless(result.outcome.value in {"captured", "replayed"}, result.landing)


def _solve_view(result: SolveResult) -> RenderableType:
    rows = [
        ("outcome", result.outcome.value),
        ("reason", result.reason_code.value),
        ("next action", result.next_action.value),
        ("run id", result.run_id),
        ("agent calls", result.agent_calls),
        ("capsule", result.capsule_id),
        ("gene", result.gene_id),
        ("original run", result.original_run_id),
        ("confidence", result.confidence),
        ("branch", result.branch),
        ("commit", result.commit),
        ("landing", result.landing.detail if result.landing else None),
        ("seconds", f"{result.seconds:.2f}"),
    ]
    parts: list[RenderableType] = [key_value_table("run", rows)]
    for feedback in result.feedback:
        parts.append(
            f"attempt {feedback.attempt}: {feedback.reason_code.value} - {feedback.message}"
        )
        if feedback.reason_code.value.startswith("agent_") and feedback.log_excerpts:
            # an agent that crashed: its own words (the traceback's tail), not only a code
            parts.append(Text(_tail_lines(feedback.log_excerpts[-1], 12), style="dim"))
    if result.diff:
        parts.append(Syntax(result.diff, "diff", theme="ansi_dark"))
    return Group(*parts)


def _tail_lines(text: str, count: int) -> str:
    lines = text.rstrip().splitlines()
    return "\n".join(("    " + line) for line in lines[-count:])


def replay(
    ctx: typer.Context,
    repo: GitRepoOption,
    task: TaskOption = "",
    run_id: RunIdOption = None,
    apply: Annotated[
        str | None,
        typer.Option(
            "--apply",
            help="Commit the validated replay on this branch (never the current one).",
        ),
    ] = None,
    rev: RevOption = "HEAD",
    allow_dirty: AllowDirtyOption = False,
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Replay only: try stored capsules on the task; never calls an agent.

    The diff returned (and landed with ``--apply``) is the capsule's diff as it applied and
    validated on this tree. A working tree with uncommitted changes is refused unless
    --allow-dirty.

    Exit codes: 0 a hit (and landed, with --apply); 1 a miss or a failed landing (the reason
    code and next action say why); 2 bad input (a branch that can never be landed on, a bad
    repository, a dirty tree); 130 interrupted by Ctrl-C (recorded as interrupted).

    \b
    Example:
        evokernel replay --repo . --task "cart total is wrong"
        evokernel replay --repo . --run-id run_1234 --apply evo/fix-cart --json
    """
    state = cli_state(ctx)
    config, store_dir = state.config, state.store_dir(store, repo)
    agent_task, lander = _task_and_lander(config, repo, task, rev, apply, allow_dirty, store_dir)
    with open_runtime(config, store_dir) as runtime:
        kernel = runtime.kernel
        decision = kernel.replay_or_fallback_for_run(
            agent_task, run_id or kernel.new_run_id(), lander
        )
    emit(decision, json, _replay_view)
    _exit_unless(decision.hit, decision.landing)


def _replay_view(decision: ReplayDecision) -> RenderableType:
    rows = [
        ("hit", decision.hit),
        ("reason", decision.reason_code.value),
        ("next action", decision.next_action.value),
        ("replay run id", decision.replay_run_id),
        ("capsule", decision.capsule_id),
        ("original run", decision.original_run_id),
        ("apply step", decision.apply_step),
        ("rebased", decision.rebased),
        ("branch", decision.landing.branch if decision.landing else None),
        ("commit", decision.landing.commit if decision.landing else None),
        ("landing", decision.landing.detail if decision.landing else None),
        ("seconds", f"{decision.seconds:.2f}"),
        ("signature", ", ".join(decision.signature)),
    ]
    table = Table(title="candidates", title_justify="left")
    for column in ("capsule", "score", "similarity", "outcome"):
        table.add_column(column)
    for c in decision.candidates:
        table.add_row(c.capsule_id, f"{c.score:.3f}", f"{c.similarity:.3f}", c.outcome or "")
    return Group(key_value_table("replay", rows), table)


def capture(
    ctx: typer.Context,
    repo: GitRepoOption,
    proposal: Annotated[
        str,
        typer.Option(
            "--proposal", help="MutationProposal JSON file, or - for stdin (evokernel schema)."
        ),
    ],
    task: TaskOption = "",
    run_id: RunIdOption = None,
    rev: RevOption = "HEAD",
    store: StoreOption = None,
    json: JsonOption = False,
) -> None:
    """Validate and capture a proposal handed in by an external agent, in any language.

    Prints the capture result and the agent feedback. Exits 0 when captured, 1 when the
    proposal was rejected (the feedback says why), 2 when the JSON is malformed.

    \b
    Example:
        evokernel capture --repo . --proposal proposal.json
        my-agent | evokernel capture --repo . --proposal - --task "fix cart" --json
    """
    state = cli_state(ctx)
    text = sys.stdin.buffer.read() if proposal == "-" else _read_proposal_file(Path(proposal))
    handed_in = parse_proposal(text)
    config = state.config
    agent_task = task_for_repo(repo, config, task or handed_in.intent, base_rev=rev)
    with open_runtime(config, state.store_dir(store, repo)) as runtime:
        result = runtime.kernel.capture_from_proposal(agent_task, handed_in, run_id=run_id)
        report = CaptureReport(result=result, feedback=runtime.kernel.feedback_for_agent(result))
    emit(report, json, _capture_view)
    if not report.result.accepted:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _capture_view(report: CaptureReport) -> RenderableType:
    result, feedback = report.result, report.feedback
    rows = [
        ("accepted", result.accepted),
        ("reason", result.reason_code.value),
        ("next action", feedback.next_action.value),
        ("detail", result.detail),
        ("run id", result.run_id),
        ("capsule", result.capsule_id),
        ("gene", result.gene_id),
        ("state", result.state.value if result.state else None),
        ("failing tests", ", ".join(result.failing_tests)),
    ]
    return key_value_table("capture", rows)
