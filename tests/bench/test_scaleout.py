"""The scale-out benchmark's own parts: the balancer's configuration, its log read per group, and the
load generator reading the receipt page Meyasu renders now."""

import shutil
import subprocess

import pytest

from bench import loadgen
from bench.scaleout import LOG_FORMAT, lb_counts, nginx_config
from tests.submissions.conftest import submit

GROUPS = {"A": (8500, 3), "B": (8600, 2)}


def test_the_balancer_sends_to_both_groups_weighted_by_their_workers(tmp_path):
    conf = nginx_config(GROUPS, 8504, tmp_path)
    assert "least_conn;" in conf
    assert "server 127.0.0.1:8500 weight=3" in conf and "server 127.0.0.1:8600 weight=2" in conf
    assert "listen 127.0.0.1:8504;" in conf
    # Its own pid file and logs, in the run's directory: not the system's nginx.
    assert f"pid {tmp_path}/nginx.pid;" in conf and f"access_log {tmp_path}/access.log groups;" in conf
    assert "$upstream_addr" in conf and "/var/" not in conf


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path):
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(GROUPS, 8504, tmp_path))
    result = subprocess.run(["nginx", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf), "-t"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_balancers_log_is_counted_per_group_from_an_offset(tmp_path):
    assert LOG_FORMAT.startswith("$upstream_addr ")
    log = tmp_path / "access.log"
    before = '127.0.0.1:8500 "GET /periods" 200 0.010 0.010\n'
    log.write_text(before + "\n".join([
        '127.0.0.1:8500 "GET /periods/3" 200 0.012 0.012',
        '127.0.0.1:8600 "POST /periods/3/submit/send" 303 0.050 0.050',
        '127.0.0.1:8600 "POST /periods/3/submit/send" 503 0.050 0.050',
        '127.0.0.1:8500, 127.0.0.1:8600 "GET /results" 200 0.020 0.010',
        '- "GET /periods" 502 0.000 -',
    ]) + "\n")
    counts = lb_counts(log, len(before), {8500: "A", 8600: "B"})
    assert counts["A"]["requests"] == 1 and counts["A"]["status 200"] == 1
    assert counts["B"]["requests"] == 3 and counts["B"]["sends (303)"] == 1 and counts["B"]["status 503"] == 1
    assert counts["B"]["tried on a second group"] == 1  # counted where it was answered: the last one tried
    assert counts["none"]["requests"] == 1


def test_the_load_generator_reads_the_receipt_number_of_the_receipt_page(client, make_period):
    period_id = make_period()
    response = submit(client, period_id)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    found = loadgen.RECEIPT_NO.search(html)
    assert found and found.group(1).strip() == f"{period_id}-00001"
