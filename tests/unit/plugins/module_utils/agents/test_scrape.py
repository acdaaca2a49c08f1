import shutil
import subprocess

import pytest
import yaml

from ansible_collections.llmagentos.ops.plugins.filter.agent_scrape_configs import agent_scrape_configs
from ansible.errors import AnsibleFilterError
from examples import EXAMPLE, GOLDEN


def compile_example():
    return agent_scrape_configs(EXAMPLE["llmagentos_agents"], EXAMPLE["groups"], EXAMPLE["blackbox_address"])


def test_matches_the_golden_file():
    expected = yaml.safe_load((GOLDEN / "support_bot.scrape_configs.yml").read_text())
    assert compile_example() == expected


def test_every_series_carries_agent_component_and_kind():
    for job in compile_example():
        for group in job["static_configs"]:
            assert {"agent", "component", "kind"} <= set(group["labels"])


def test_promtool_accepts_the_jobs(tmp_path):
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.fail("promtool is not on PATH: run `make deps`")
    config = tmp_path / "prometheus.yml"
    config.write_text(yaml.safe_dump({"scrape_configs": compile_example()}))
    result = subprocess.run([promtool, "check", "config", str(config)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_probe_only_component_needs_the_blackbox_address():
    with pytest.raises(AnsibleFilterError, match=r"components\[5\]: preset 'ollama' has no metrics endpoint"):
        agent_scrape_configs(EXAMPLE["llmagentos_agents"], EXAMPLE["groups"])


def test_the_filter_reports_problems_without_a_traceback():
    with pytest.raises(AnsibleFilterError, match=r"^invalid agent description:\nllmagentos_agents\[0\]\.components\[0\]\.preset: unknown preset"):
        agent_scrape_configs([{"name": "a", "components": [{"name": "c", "kind": "llm", "preset": "x", "targets": ["h:1"]}]}])


SECURED_BLACKBOX = {
    "scheme": "https",
    "basic_auth": {"username": "prometheus", "password_file": "/etc/prometheus/credentials/blackbox_exporter.password"},
    "tls_config": {"ca_file": "/etc/prometheus/tls/llmagentos-ca.crt"},
}


def test_probe_jobs_reach_a_secured_blackbox_exporter_and_metrics_jobs_are_untouched(tmp_path):
    plain = compile_example()
    secured = agent_scrape_configs(EXAMPLE["llmagentos_agents"], EXAMPLE["groups"], EXAMPLE["blackbox_address"], SECURED_BLACKBOX)
    probes = [job for job in secured if job["metrics_path"] == "/probe"]
    assert probes and all(job["scheme"] == "https" and job["basic_auth"] == SECURED_BLACKBOX["basic_auth"]
                          and job["tls_config"] == SECURED_BLACKBOX["tls_config"] for job in probes)
    assert [job for job in secured if job["metrics_path"] != "/probe"] == [job for job in plain if job["metrics_path"] != "/probe"]
    # promtool checks that the CA file exists.
    ca = tmp_path / "ca.crt"
    ca.write_text("")
    config = tmp_path / "prometheus.yml"
    jobs = agent_scrape_configs(EXAMPLE["llmagentos_agents"], EXAMPLE["groups"], EXAMPLE["blackbox_address"],
                                {**SECURED_BLACKBOX, "tls_config": {"ca_file": str(ca)}})
    config.write_text(yaml.safe_dump({"scrape_configs": jobs}))
    result = subprocess.run([shutil.which("promtool"), "check", "config", "--syntax-only", str(config)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("client, message", [
    ("https", "blackbox_client must be a mapping"),
    ({"scheme": "https", "proxy_url": "http://p:3128"}, "blackbox_client must be a mapping of authorization, basic_auth"),
    ({"scheme": "ftp"}, "blackbox_client.scheme must be http or https, got 'ftp'"),
])
def test_a_bad_blackbox_client_is_named(client, message):
    with pytest.raises(AnsibleFilterError, match=f"^agent_scrape_configs: {message}"):
        agent_scrape_configs(EXAMPLE["llmagentos_agents"], EXAMPLE["groups"], EXAMPLE["blackbox_address"], client)


GPU_AGENTS = [{"name": "bot", "components": [
    {"name": "llm", "kind": "llm", "preset": "vllm", "targets": ["gpu-1:8000"]},
    {"name": "gpus", "kind": "gpu", "preset": "dcgm", "targets": ["gpu-1:9400"]},
    {"name": "smi", "kind": "gpu", "preset": "nvidia_smi", "targets": ["gpu-2:9835"]}]}]
SECURED_DCGM = {**SECURED_BLACKBOX, "basic_auth": {"username": "prometheus",
                                                   "password_file": "/etc/prometheus/credentials/dcgm_exporter.password"}}


def test_components_of_a_preset_are_reached_as_its_exporter_serves():
    jobs = {job["job_name"]: job for job in agent_scrape_configs(GPU_AGENTS, preset_clients={"dcgm": SECURED_DCGM})}
    gpus = jobs["llmagentos/bot/gpus"]
    assert (gpus["scheme"], gpus["basic_auth"], gpus["tls_config"]) == ("https", SECURED_DCGM["basic_auth"], SECURED_DCGM["tls_config"])
    assert gpus["static_configs"][0]["labels"]["component"] == "gpus"
    # Other presets keep their own scheme and no credentials.
    for name in ("llmagentos/bot/llm", "llmagentos/bot/smi"):
        assert jobs[name]["scheme"] == "http" and "basic_auth" not in jobs[name]


@pytest.mark.parametrize("clients, message", [
    (["dcgm"], "preset_clients must map preset names to scrape settings"),
    ({"dcmg": SECURED_DCGM}, "preset_clients names unknown preset\\(s\\) dcmg; known: "),
    ({"dcgm": {"scheme": "ftp"}}, "preset_clients.dcgm.scheme must be http or https, got 'ftp'"),
    ({"nvidia_smi": {"proxy_url": "http://p:3128"}}, "preset_clients.nvidia_smi must be a mapping of authorization, basic_auth"),
])
def test_bad_preset_clients_are_named(clients, message):
    with pytest.raises(AnsibleFilterError, match=f"^agent_scrape_configs: {message}"):
        agent_scrape_configs(GPU_AGENTS, preset_clients=clients)
