"""The worker's encoding without pandas gives the tables the pandas path gives.

``encode_result`` (used by ``run_chunk``) builds Arrow tables straight from a
replication's arrays; ``encode(task_output(...))`` goes through data frames. A stored
part must not depend on which was used: same columns, order, types and values.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from sim.experiments.tasks import TABLES, Task, encode, encode_result, task_output
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
