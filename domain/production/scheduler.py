"""Finite-capacity scheduler: places operations on work-center calendars around the load already booked.

A pure domain service: no database, no ORM, no clock. Callers load the specs and bookings, pass
``now``, and persist what comes back. Because nothing here mutates its inputs or keeps state between
calls, the same code answers "what if" questions (capacity-to-promise, expedite evaluation) by
calling ``dry_run`` and throwing the result away.

Model: a work center has ``parallel_machines`` identical machines sharing one calendar; an operation
runs on one machine from start to end, pausing outside working time; a machine runs one operation at
a time. Existing bookings are fixed; the scheduler never moves them except in ``reschedule``.
"""

from __future__ import annotations

import datetime as dt
import heapq
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from domain.errors import DomainError
from domain.production.calendar import WorkCalendar, to_local

__all__ = [
    "Booking",
    "JobSpec",
    "Move",
    "OperationSpec",
    "PlannedOperation",
    "Progress",
    "Replan",
    "Schedule",
    "Scheduler",
    "SchedulingError",
    "WorkCenter",
    "bench_place",
]


class SchedulingError(DomainError):
    """The request cannot be scheduled as given (unknown work center, unknown operation, …)."""


# -- inputs -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkCenter:
    id: str
    calendar: WorkCalendar
    parallel_machines: int = 1

    def __post_init__(self) -> None:
        if self.parallel_machines < 1:
            raise ValueError("a work center needs at least one machine")

    def capacity_minutes(self, day: dt.date) -> float:
        """Machine-minutes available on ``day`` (machines × shift time); 0 on a day off."""
        return self.parallel_machines * self.calendar.working_minutes_on(day)


@dataclass(frozen=True, slots=True)
class OperationSpec:
    key: str
    work_center_id: str
    setup_min: float
    run_min_per_unit: float
    quantity: float

    def __post_init__(self) -> None:
        if self.setup_min < 0 or self.run_min_per_unit < 0 or self.quantity < 0:
            raise ValueError(f"operation {self.key}: setup, run time and quantity must be >= 0")

    @property
    def minutes(self) -> float:
        return self.setup_min + self.run_min_per_unit * self.quantity


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One order line's job; ``operations`` in routing order. Higher ``priority`` is placed first."""

    key: str
    operations: tuple[OperationSpec, ...]
    release_at: dt.datetime
    priority: int = 0
    due: dt.date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "operations", tuple(self.operations))
        keys = [op.key for op in self.operations]
        if len(set(keys)) != len(keys):
            raise ValueError(f"job {self.key}: operation keys repeat: {keys}")
        to_local(self.release_at)  # refuse naive times at the door

    def operation(self, op_key: str) -> tuple[int, OperationSpec]:
        for seq, op in enumerate(self.operations):
            if op.key == op_key:
                return seq, op
        raise SchedulingError(f"job {self.key} has no operation {op_key}")


@dataclass(frozen=True, slots=True)
class Booking:
    """Load that is already on a work center and that placement must go around (other orders,
    maintenance, a locked firm plan). ``machine`` None lets the scheduler pick a free machine."""

    work_center_id: str
    start: dt.datetime
    end: dt.datetime
    ref: str = ""
    machine: int | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """What the shop floor reported for one operation: either it finished (``actual_end``), or it is
    still running with ``remaining_quantity`` to make as of ``now``."""

    job_key: str
    op_key: str
    actual_end: dt.datetime | None = None
    remaining_quantity: float | None = None
    actual_start: dt.datetime | None = None

    def __post_init__(self) -> None:
        if (self.actual_end is None) == (self.remaining_quantity is None):
            raise ValueError("give exactly one of actual_end and remaining_quantity")
        if self.remaining_quantity is not None and self.remaining_quantity < 0:
            raise ValueError("remaining_quantity must be >= 0")


# -- outputs ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedOperation:
    job_key: str
    op_key: str
    work_center_id: str
    start: dt.datetime
    end: dt.datetime
    machine: int = 0
    seq: int = 0  # position in the job's routing

    def as_booking(self) -> Booking:
        return Booking(
            self.work_center_id, self.start, self.end, f"{self.job_key}/{self.op_key}", self.machine
        )


@dataclass(frozen=True)
class Schedule:
    operations: tuple[PlannedOperation, ...]
    finish_by_job: Mapping[str, dt.datetime]

    @classmethod
    def of(cls, operations: Iterable[PlannedOperation]) -> Schedule:
        ops = tuple(operations)
        finish: dict[str, dt.datetime] = {}
        for op in ops:
            if op.job_key not in finish or op.end > finish[op.job_key]:
                finish[op.job_key] = op.end
        return cls(ops, finish)

    def for_job(self, job_key: str) -> list[PlannedOperation]:
        return sorted((op for op in self.operations if op.job_key == job_key), key=lambda op: op.seq)

    def get(self, job_key: str, op_key: str) -> PlannedOperation:
        for op in self.operations:
            if op.job_key == job_key and op.op_key == op_key:
                return op
        raise KeyError((job_key, op_key))

    def as_bookings(self) -> list[Booking]:
        """The plan as load, to feed the next placement (e.g. the next order)."""
        return [op.as_booking() for op in self.operations]

    def late_jobs(self, jobs: Iterable[JobSpec]) -> list[str]:
        """Jobs whose planned finish falls on a factory day after their due date."""
        return [
            j.key
            for j in jobs
            if j.due is not None
            and j.key in self.finish_by_job
            and to_local(self.finish_by_job[j.key]).date() > j.due
        ]


@dataclass(frozen=True, slots=True)
class Move:
    job_key: str
    op_key: str
    old_start: dt.datetime
    old_end: dt.datetime
    new_start: dt.datetime
    new_end: dt.datetime

    @property
    def delay(self) -> dt.timedelta:
        return self.new_end - self.old_end


@dataclass(frozen=True, slots=True)
class Replan:
    schedule: Schedule
    moved: tuple[Move, ...]
    # Overlaps the replan could not resolve because both sides are fixed (e.g. a running operation
    # now runs into planned maintenance): a planner has to decide.
    conflicts: tuple[str, ...] = ()


# -- machine timelines ------------------------------------------------------------------------------

_FIXED = "<fixed>"
OpRef = tuple[str, str]


@dataclass(slots=True)
class _Machine:
    """Busy intervals of one machine, sorted and non-overlapping, so both starts and ends are sorted
    and every lookup is a bisect."""

    starts: list[dt.datetime] = field(default_factory=list)
    ends: list[dt.datetime] = field(default_factory=list)
    refs: list[object] = field(default_factory=list)

    def overlapping(self, s: dt.datetime, e: dt.datetime) -> range:
        return range(bisect_right(self.ends, s), bisect_left(self.starts, e))

    def insert(self, s: dt.datetime, e: dt.datetime, ref: object) -> None:
        if s >= e:
            return  # zero-length work occupies no time
        i = bisect_left(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e)
        self.refs.insert(i, ref)

    def block(self, s: dt.datetime, e: dt.datetime) -> None:
        """Add fixed load, merging it with whatever it overlaps (overbooked input stays overbooked)."""
        if s >= e:
            return
        span = self.overlapping(s, e)
        if span:
            s, e = min(s, self.starts[span.start]), max(e, self.ends[span.stop - 1])
            del self.starts[span.start : span.stop], self.ends[span.start : span.stop]
            del self.refs[span.start : span.stop]
        self.insert(s, e, _FIXED)

    def remove(self, s: dt.datetime, ref: object) -> None:
        i = bisect_left(self.starts, s)
        while i < len(self.starts) and self.starts[i] == s:
            if self.refs[i] == ref:
                del self.starts[i], self.ends[i], self.refs[i]
                return
            i += 1

    def earliest_fit(
        self, earliest: dt.datetime, minutes: float, calendar: WorkCalendar
    ) -> tuple[dt.datetime, dt.datetime]:
        """First start >= ``earliest`` at which ``minutes`` of working time fit before the next
        booking. Walks the gaps between bookings, not the clock."""
        if minutes <= 0:
            s = calendar.next_working_instant(earliest)
            return s, s
        wall_min = dt.timedelta(minutes=minutes)  # working time never takes less wall-clock time
        starts, ends = self.starts, self.ends
        s = earliest
        i, n = bisect_right(ends, s), len(starts)
        while i < n:
            # Cheap wall-clock test first; calendar arithmetic only for gaps that could hold the work.
            if starts[i] - s >= wall_min:
                s = calendar.next_working_instant(s)
                if starts[i] - s >= wall_min:
                    e = calendar.add_working_time(s, minutes)
                    if e <= starts[i]:
                        return s, e
            s = max(s, ends[i])
            i += 1
        s = calendar.next_working_instant(s)
        return s, calendar.add_working_time(s, minutes)


class _Floor:
    def __init__(self, centers: Mapping[str, WorkCenter]) -> None:
        self.centers = centers
        self.machines = {wc.id: [_Machine() for _ in range(wc.parallel_machines)] for wc in centers.values()}

    def center(self, wc_id: str) -> WorkCenter:
        try:
            return self.centers[wc_id]
        except KeyError:
            # Loud on purpose: an id of the wrong type (int vs str) would otherwise make every
            # booking invisible and the factory look empty.
            raise SchedulingError(f"unknown work center {wc_id!r}") from None

    def machine(self, wc_id: str, index: int) -> _Machine:
        machines = self.machines[self.center(wc_id).id]
        if not 0 <= index < len(machines):
            raise SchedulingError(f"work center {wc_id!r} has no machine {index}")
        return machines[index]

    def load_fixed(self, bookings: Iterable[Booking]) -> None:
        for b in sorted(bookings, key=lambda b: to_local(b.start)):
            s, e = to_local(b.start), to_local(b.end)
            if b.machine is not None:
                self.machine(b.work_center_id, b.machine).block(s, e)
                continue
            machines = self.machines[self.center(b.work_center_id).id]
            # Input is in start order, so a machine whose last booking has ended is free from s on.
            free = next((m for m in machines if not m.ends or m.ends[-1] <= s), None)
            if free is None:
                free = min(machines, key=lambda m: m.ends[-1])
            free.block(s, e)

    def place(
        self, wc_id: str, earliest: dt.datetime, minutes: float, prefer: int | None = None
    ) -> tuple[int, dt.datetime, dt.datetime]:
        wc = self.center(wc_id)
        best: tuple[dt.datetime, dt.datetime, bool, int] | None = None
        for idx, m in enumerate(self.machines[wc.id]):
            s, e = m.earliest_fit(earliest, minutes, wc.calendar)
            cand = (e, s, idx != prefer, idx)
            if best is None or cand < best:
                best = cand
        assert best is not None
        return best[3], best[1], best[0]


# -- the service ------------------------------------------------------------------------------------


class Scheduler:
    """Holds only the factory's work centers (static data); every call is a pure function of its
    arguments."""

    def __init__(self, work_centers: Iterable[WorkCenter]) -> None:
        self.work_centers: dict[str, WorkCenter] = {}
        for wc in work_centers:
            if wc.id in self.work_centers:
                raise ValueError(f"work center {wc.id!r} given twice")
            self.work_centers[wc.id] = wc

    def place(self, jobs: Sequence[JobSpec], existing: Sequence[Booking], now: dt.datetime) -> Schedule:
        """Place every operation of ``jobs`` at its earliest feasible slot.

        Jobs go in order of priority (highest first), then release, due date and key; each job's
        operations go in routing order, none starting before the previous one ends, the job's
        release or ``now``. Existing bookings are never moved. Pure: inputs are not mutated.
        """
        now = to_local(now)
        keys = [j.key for j in jobs]
        if len(set(keys)) != len(keys):
            raise SchedulingError(f"job keys repeat: {keys}")
        floor = _Floor(self.work_centers)
        floor.load_fixed(existing)
        planned: list[PlannedOperation] = []
        finish: dict[str, dt.datetime] = {}
        order = sorted(jobs, key=lambda j: (-j.priority, to_local(j.release_at), j.due or dt.date.max, j.key))
        for job in order:
            earliest = max(to_local(job.release_at), now)
            for seq, op in enumerate(job.operations):
                machine, s, e = floor.place(op.work_center_id, earliest, op.minutes)
                floor.machines[op.work_center_id][machine].insert(s, e, (job.key, op.key))
                planned.append(PlannedOperation(job.key, op.key, op.work_center_id, s, e, machine, seq))
                earliest = e
            finish[job.key] = earliest
        return Schedule(tuple(planned), finish)

    def dry_run(self, jobs: Sequence[JobSpec], existing: Sequence[Booking], now: dt.datetime) -> Schedule:
        """``place`` under the name what-if callers (capacity-to-promise, expedite) should use. The
        two are the same pure function; nothing is booked until the caller persists the result."""
        return self.place(jobs, existing, now)

    def reschedule(
        self,
        plan: Schedule | Sequence[PlannedOperation],
        job: JobSpec,
        progress: Progress,
        now: dt.datetime,
        fixed: Sequence[Booking] = (),
    ) -> Replan:
        """Re-plan after ``progress`` on one operation of ``job``.

        The reported operation keeps its machine and start and gets its new end (the actual end, or
        now + the remaining run time). Its job's later operations are re-placed in routing order
        (never earlier than planned). Operations of other jobs move only if they now overlap
        something, or if their predecessor moved past their start; they keep their order by old
        start and are never pulled earlier. ``plan`` holds every movable operation on the floor;
        ``fixed`` is load that must not move (maintenance, firm or running work of other jobs).
        """
        now = to_local(now)
        if progress.job_key != job.key:
            raise SchedulingError(f"progress is for job {progress.job_key}, not {job.key}")
        ops = tuple(plan.operations if isinstance(plan, Schedule) else plan)
        by_key: dict[OpRef, PlannedOperation] = {}
        by_job: dict[str, dict[int, OpRef]] = defaultdict(dict)
        for op in ops:
            key = (op.job_key, op.op_key)
            if key in by_key:
                raise SchedulingError(f"operation {key} appears twice in the plan")
            by_key[key] = op
            by_job[op.job_key][op.seq] = key
        target_key = (progress.job_key, progress.op_key)
        if target_key not in by_key:
            raise SchedulingError(f"operation {target_key} is not in the plan")
        target = by_key[target_key]
        seq, spec = job.operation(progress.op_key)

        floor = _Floor(self.work_centers)
        floor.load_fixed(fixed)
        conflicts: list[str] = []
        # Worklist ordered by old start: a routing successor always starts after its predecessor,
        # so predecessors are final before successors are placed, and the heap never goes back.
        work: list[tuple[dt.datetime, int, OpRef]] = []
        queued: set[OpRef] = set()

        def enqueue(key: OpRef) -> None:
            if key not in queued:
                queued.add(key)
                op = by_key[key]
                heapq.heappush(work, (to_local(op.start), op.seq, key))

        for op in sorted(ops, key=lambda o: to_local(o.start)):
            key = (op.job_key, op.op_key)
            if op.job_key == job.key and op.seq >= seq:
                if op.seq > seq:
                    enqueue(key)
                continue
            s, e = to_local(op.start), to_local(op.end)
            m = floor.machine(op.work_center_id, op.machine)
            if m.overlapping(s, e):
                enqueue(key)  # the stored plan was already inconsistent: repair it like a push
            else:
                m.insert(s, e, key)

        # The reported operation is pinned: it is mounted on its machine, or already done.
        wc = floor.center(target.work_center_id)
        start = to_local(progress.actual_start or target.start)
        if progress.actual_end is not None:
            end = to_local(progress.actual_end)
        else:
            assert progress.remaining_quantity is not None
            started = progress.actual_start is not None or now >= start
            minutes = spec.run_min_per_unit * progress.remaining_quantity + (0 if started else spec.setup_min)
            end = wc.calendar.add_working_time(max(now, start) if started else start, minutes)
        machine = floor.machine(target.work_center_id, target.machine)
        for i in reversed(machine.overlapping(start, end)):
            ref = machine.refs[i]
            if ref == _FIXED:
                conflicts.append(
                    f"{job.key}/{spec.key} now runs until {end.isoformat()} into fixed load on "
                    f"{wc.id} machine {target.machine} from {machine.starts[i].isoformat()}"
                )
                continue
            assert isinstance(ref, tuple)
            del machine.starts[i], machine.ends[i], machine.refs[i]
            enqueue(ref)
        machine.block(start, end)
        new: dict[OpRef, PlannedOperation] = {target_key: replace(target, start=start, end=end)}

        def current_end(key: OpRef) -> dt.datetime:
            return to_local((new.get(key) or by_key[key]).end)

        while work:
            _, _, key = heapq.heappop(work)
            old = by_key[key]
            if old.job_key == job.key:
                minutes = job.operations[old.seq].minutes
            else:
                minutes = floor.center(old.work_center_id).calendar.working_minutes_between(
                    old.start, old.end
                )
            earliest = max(to_local(old.start), now)
            pred = by_job[old.job_key].get(old.seq - 1)
            if pred is not None:
                earliest = max(earliest, current_end(pred))
            m_idx, s, e = floor.place(old.work_center_id, earliest, minutes, prefer=old.machine)
            floor.machines[old.work_center_id][m_idx].insert(s, e, key)
            new[key] = replace(old, start=s, end=e, machine=m_idx)
            succ = by_job[old.job_key].get(old.seq + 1)
            if succ is not None and succ not in queued and to_local(by_key[succ].start) < e:
                succ_op = by_key[succ]
                floor.machines[succ_op.work_center_id][succ_op.machine].remove(to_local(succ_op.start), succ)
                enqueue(succ)

        result = tuple(new.get((op.job_key, op.op_key), op) for op in ops)
        moved = tuple(
            Move(old.job_key, old.op_key, old.start, old.end, n.start, n.end)
            for old in sorted(ops, key=lambda o: (to_local(o.start), o.job_key, o.seq))
            if (n := new.get((old.job_key, old.op_key))) is not None
            and (n.start, n.end) != (old.start, old.end)
        )
        return Replan(Schedule.of(result), moved, tuple(conflicts))


# -- micro-benchmark (run: python -m domain.production.scheduler) -----------------------------------


def bench_place(
    bookings: int = 3000, jobs: int = 20, ops_per_job: int = 6, centers: int = 10, repeat: int = 7
) -> float:
    """Prints and returns the median wall time of one ``place`` of ``jobs`` new jobs into a factory
    with ``bookings`` existing bookings. A figure to watch, not a test."""
    import random
    import statistics
    import time

    from domain.base import SHANGHAI
    from domain.production.calendar import Shift

    rng = random.Random(20240501)  # noqa: S311 — synthetic data, not security
    calendar = WorkCalendar(
        shifts=(
            Shift(dt.time(8), dt.time(12)),
            Shift(dt.time(13), dt.time(17)),
            Shift(dt.time(18), dt.time(22)),
        ),
        workdays=frozenset(range(6)),
    )
    wcs = [WorkCenter(f"WC{i:02d}", calendar, parallel_machines=1 + i % 3) for i in range(centers)]
    now = dt.datetime(2024, 5, 6, 8, tzinfo=SHANGHAI)
    load: list[Booking] = []
    cursor = {(wc.id, m): now for wc in wcs for m in range(wc.parallel_machines)}
    lanes = list(cursor)
    for n in range(bookings):
        lane = lanes[n % len(lanes)]
        # Random gaps leave holes of every size, so placement has to search rather than append.
        s = calendar.add_working_time(cursor[lane], rng.choice((0, 0, 10, 30, 90, 240)))
        e = calendar.add_working_time(s, rng.randint(20, 300))
        load.append(Booking(lane[0], s, e, f"B{n}"))
        cursor[lane] = e
    new_jobs = [
        JobSpec(
            f"J{j}",
            tuple(
                OperationSpec(
                    f"op{k}",
                    rng.choice(wcs).id,
                    rng.randint(10, 60),
                    rng.uniform(0.2, 3),
                    rng.randint(10, 200),
                )
                for k in range(ops_per_job)
            ),
            release_at=now,
            priority=rng.randint(0, 2),
        )
        for j in range(jobs)
    ]
    scheduler = Scheduler(wcs)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        scheduler.place(new_jobs, load, now)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    print(
        f"place: {jobs} jobs x {ops_per_job} ops into {bookings} bookings on {centers} work centers: "
        f"median {median * 1000:.1f} ms, best {min(times) * 1000:.1f} ms over {repeat} runs"
    )
    return median


if __name__ == "__main__":
    bench_place()
