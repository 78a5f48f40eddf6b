"""The worker's encoding without pandas gives the tables the pandas path gives.

``encode_result`` (used by ``run_chunk``) builds Arrow tables straight from a
replication's arrays; ``encode(task_output(...))`` goes through data frames. A stored
part must not depend on which was used: same columns, order, types and values.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from sim.experiments.tasks import (
    LARGE_TABLE,
    TABLES,
    Task,
    encode,
    encode_result,
    ipc_bytes,
    task_output,
)
from sim.model.world import run_replication
from sim.scenario.councils import load_councils
from sim.scenario.loading import load_scenario
from sim.scenario.timeline import resolve, variant_scenarios


def tables(encoded: dict[str, bytes]) -> dict[str, pa.Table]:
    return {name: pa.ipc.open_file(pa.py_buffer(data)).read_all() for name, data in encoded.items()}


@pytest.mark.parametrize("trace", [False, True])
def test_encoding_without_pandas_matches_the_data_frames(trace: bool) -> None:
    loaded = load_scenario("scenarios/reform_2015.yaml", {"run.horizon_months": 24})
    scenario = resolve(variant_scenarios(loaded)[loaded.run.baseline])
    task = Task("baseline", 0, 3, 11)
    result = run_replication(scenario, task.seed_key, load_councils(), trace=trace)
    direct = tables(encode_result(task, scenario, result).tables)
    framed = tables(encode(task_output(task, scenario, result)).tables)
    assert set(direct) == set(framed) == {n for n in TABLES if trace or n != "events"}
    for name, table in framed.items():
        expected = table.replace_schema_metadata(None)  # pandas' own metadata only
        assert direct[name].schema.equals(expected.schema), name
        assert direct[name].equals(expected), name
        assert direct[name].num_rows > 0, name


def test_a_large_table_is_sized_first_and_gives_the_same_file() -> None:
    text = pa.array([f"event {i}" * 8 for i in range(40_000)], pa.large_string())
    table = pa.table({"time": pa.array(range(40_000), pa.float64()), "details": text})
    assert table.get_total_buffer_size() >= LARGE_TABLE  # the sized path
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    assert ipc_bytes(table) == sink.getvalue().to_pybytes()
    assert tables({"t": ipc_bytes(table)})["t"].equals(table)


def test_the_row_counts_handed_to_the_manifest_are_the_tables() -> None:
    loaded = load_scenario("scenarios/reform_2015.yaml", {"run.horizon_months": 12})
    scenario = resolve(variant_scenarios(loaded)[loaded.run.baseline])
    task = Task("baseline", 0, 1, 5)
    result = run_replication(scenario, task.seed_key, load_councils())
    output = encode_result(task, scenario, result)
    assert output.rows == {name: t.num_rows for name, t in tables(output.tables).items()}
