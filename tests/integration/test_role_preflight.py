"""Checks the roles make before they touch a host, run through ansible-playbook on localhost in
check mode: they fail naming the variables to fix, and nothing is installed."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


def run_play(tmp_path, play, *args):
    (tmp_path / "play.yml").write_text(yaml.safe_dump([play]))
    result = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-e", f"ansible_python_interpreter={sys.executable}", "--check",
         str(tmp_path / "play.yml"), *args],
        capture_output=True, text=True, check=False, env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    return result.returncode, result.stdout + result.stderr


def local_play(**play):
    return {"hosts": "localhost", "connection": "local", "gather_facts": True, **play}


def test_tls_files_given_apart_are_refused_naming_the_missing_ones(tmp_path):
    code, output = run_play(tmp_path, local_play(vars={"prometheus_web_tls_cert_file": "/etc/prometheus/web.pem"},
                                                 roles=["llmagentos.ops.prometheus"]), "--tags", "prometheus_configure")
    assert code != 0
    assert ("prometheus_web_tls_cert_file, prometheus_web_tls_key_file go together: prometheus_web_tls_cert_file set, "
            "but not prometheus_web_tls_key_file") in output


def test_tls_files_given_together_pass_the_check(tmp_path):
    code, output = run_play(tmp_path, local_play(
        vars={"prometheus_web_tls_cert_file": "/etc/prometheus/web.pem", "prometheus_web_tls_key_file": "/etc/prometheus/web.key"},
        tasks=[{"name": "Only the preflight",
                "ansible.builtin.include_role": {"name": "llmagentos.ops.prometheus", "tasks_from": "preflight.yml"}}]))
    assert code == 0, output
    assert "Check that the TLS files are given together, for prometheus" in output


def test_common_refuses_to_run_on_its_own(tmp_path):
    code, output = run_play(tmp_path, local_play(tasks=[{
        "name": "Use the internal role directly",
        "ansible.builtin.include_role": {"name": "llmagentos.ops.common", "tasks_from": "web_config.yml"},
        "vars": {"common_name": "x", "common_system_group": "root", "common_web_config_file": "/tmp/x.yml",
                 "common_restart_topic": "restart x"}}]))
    assert code != 0
    assert "llmagentos.ops.common is internal" in output


def test_a_new_data_directory_beside_existing_time_series_is_refused(tmp_path):
    package_dir, archive_dir = tmp_path / "metrics2", tmp_path / "prometheus"
    (package_dir / "wal").mkdir(parents=True)
    methods = {"_prometheus_method_data_dir": {"package": str(package_dir), "archive": str(archive_dir)}}
    preflight = [{"name": "Only the preflight", "ansible.builtin.include_role": {"name": "llmagentos.ops.prometheus", "tasks_from": "preflight.yml"}}]

    def run(**extra):
        return run_play(tmp_path, local_play(tasks=preflight), "-e", json.dumps({**methods, **extra}))

    code, output = run(prometheus_install_method="archive")
    assert code != 0
    assert (f"{package_dir} holds the time series of an earlier Prometheus install, and prometheus_data_dir ({archive_dir}, "
            "install method archive) holds none") in output
    assert f"To keep them, set prometheus_data_dir: {package_dir}." in output
    # Keeping them, staying with the method that wrote them, or a host without any: no objection.
    for extra in ({"prometheus_install_method": "archive", "prometheus_data_dir": str(package_dir)},
                  {"prometheus_install_method": "package"}):
        code, output = run(**extra)
        assert code == 0, output
    (package_dir / "wal").rmdir()
    code, output = run(prometheus_install_method="archive")
    assert code == 0, output


def test_the_stack_rule_file_name_is_checked(tmp_path):
    preflight = [{"name": "Only the preflight", "ansible.builtin.include_role": {"name": "llmagentos.ops.prometheus", "tasks_from": "preflight.yml"}}]
    for extra in ({"prometheus_stack_rule_file": "../etc/passwd"}, {"prometheus_rules": {"llmagentos-stack": {"groups": []}}}):
        code, output = run_play(tmp_path, local_play(tasks=preflight), "-e", json.dumps(extra))
        assert code != 0
        assert "prometheus_stack_rule_file (" in output and "no entry of prometheus_rules may have it" in output


def test_a_queue_size_logstash_cannot_read_is_refused(tmp_path):
    settings = {"logstash_elasticsearch_hosts": ["https://es-1:9200"], "logstash_elasticsearch_api_key": "id:key",
                "logstash_keystore_password": "long-enough-password", "logstash_queue_max_bytes": "lots"}
    code, output = run_play(tmp_path, local_play(tasks=[{
        "name": "Only the preflight", "ansible.builtin.include_role": {"name": "llmagentos.ops.logstash", "tasks_from": "preflight.yml"}}]),
        "-e", json.dumps(settings))
    assert code != 0
    assert "logstash_queue_max_bytes is like 1gb or 512mb (is lots)" in output


def test_a_watchdog_interval_that_is_no_duration_is_refused_by_name(tmp_path):
    code, output = run_play(tmp_path, local_play(tasks=[{
        "name": "Only the preflight", "ansible.builtin.include_role": {"name": "llmagentos.ops.alertmanager", "tasks_from": "preflight.yml"}}]),
        "-e", json.dumps({"alertmanager_watchdog_repeat_interval": "every minute"}))
    assert code != 0
    assert "alertmanager_watchdog_repeat_interval must be a duration such as 1m or 5m, got 'every minute'" in output


def _elasticsearch_exporter_preflight(tmp_path, settings, *tasks):
    return run_play(tmp_path, local_play(tasks=[{
        "name": "Only the preflight",
        "ansible.builtin.include_role": {"name": "llmagentos.ops.elasticsearch_exporter", "tasks_from": "preflight.yml", "public": True}},
        *tasks]), "-e", json.dumps(settings))


def test_the_elasticsearch_exporter_needs_a_key_for_a_secured_cluster(tmp_path):
    code, output = _elasticsearch_exporter_preflight(tmp_path, {"elasticsearch_exporter_install_method": "package"})
    assert code != 0
    assert "elasticsearch_exporter_api_key is empty, but https://localhost:9200 is a secured" in output


OPTED_OUT = {"elasticsearch_exporter_web_tls": False, "elasticsearch_exporter_web_auth": False}


def test_the_distribution_elasticsearch_exporter_is_refused_unless_the_inventory_opts_out(tmp_path):
    package = {"elasticsearch_exporter_install_method": "package", "elasticsearch_exporter_api_key": "id:key"}
    code, output = _elasticsearch_exporter_preflight(tmp_path, package)
    assert code != 0
    assert "The distribution's elasticsearch_exporter (1.5.0) has no --web.config.file" in output
    assert "opt out with elasticsearch_exporter_web_tls: false and elasticsearch_exporter_web_auth: false" in output
    code, output = _elasticsearch_exporter_preflight(tmp_path, {**package, **OPTED_OUT,
                                                                "elasticsearch_exporter_web_basic_auth_users": {"p": "x"}})
    assert code != 0 and "has no --web.config.file" in output
    code, output = _elasticsearch_exporter_preflight(tmp_path, {**package, **OPTED_OUT})
    assert code == 0, output


def test_the_elasticsearch_exporter_key_reaches_it_encoded_and_off_its_command_line(tmp_path):
    show = {"name": "Show what the unit gets", "ansible.builtin.debug": {
        "msg": "{{ {'args': _elasticsearch_exporter_args, 'key': _elasticsearch_exporter_encoded_key} | to_json }}"}}
    code, output = _elasticsearch_exporter_preflight(
        tmp_path, {"elasticsearch_exporter_install_method": "package", "elasticsearch_exporter_api_key": "VuaCfGcBCdbkQm:ui2lp2axTNmsyakw",
                   **OPTED_OUT}, show)
    assert code == 0, output
    # id:key becomes base64(id:key), as Elasticsearch reads the ApiKey header; the CA comes with https.
    assert '"key": "VnVhQ2ZHY0JDZGJrUW06dWkybHAyYXhUTm1zeWFrdw=="' in output.replace('\\"', '"')
    assert "--es.ca=/etc/llmagentos/llmagentos-ca.crt" in output
    assert "ui2lp2axTNmsyakw" not in output.split('"key"')[0]
    code, output = _elasticsearch_exporter_preflight(
        tmp_path, {"elasticsearch_exporter_install_method": "package", "elasticsearch_exporter_api_key": "",
                   "elasticsearch_exporter_uri": "http://127.0.0.1:9200", **OPTED_OUT}, show)
    assert code == 0, output
    assert "--es.ca" not in output and "--es.uri=http://127.0.0.1:9200" in output


def test_an_elasticsearch_uri_or_timeout_the_exporter_cannot_read_is_refused_by_name(tmp_path):
    for extra in ({"elasticsearch_exporter_uri": "localhost:9200"}, {"elasticsearch_exporter_timeout": "five seconds"}):
        code, output = _elasticsearch_exporter_preflight(tmp_path, {"elasticsearch_exporter_install_method": "package",
                                                                    "elasticsearch_exporter_api_key": "id:key", **OPTED_OUT, **extra})
        assert code != 0
        assert "elasticsearch_exporter_uri must be an http:// or https:// URL" in output
        assert f"(is {next(iter(extra.values()))})" in output


def _show(expression):
    # base64 has no spaces, so the output's line folding cannot break it.
    return {"name": "Show the value", "ansible.builtin.debug": {"msg": "VALUE={{ " + expression + " | to_json | b64encode }}"}}


def _shown(tmp_path, play, settings):
    """The value a play's _show task printed."""
    code, output = run_play(tmp_path, play, "-e", json.dumps(settings))
    assert code == 0, output
    encoded = next(line for line in output.splitlines() if "VALUE=" in line).split("VALUE=", 1)[1].strip().strip("'\"")
    return json.loads(base64.b64decode(encoded))


def _role_value(tmp_path, role, expression, settings):
    """What a role's variables evaluate to on this host, its preflight aside."""
    return _shown(tmp_path, local_play(tasks=[
        {"name": "Load the role's variables", "ansible.builtin.include_role": {"name": f"llmagentos.ops.{role}", "tasks_from": "preflight.yml",
                                                                               "public": True}},
        _show(expression)]), settings)


LOGSTASH = {"logstash_elasticsearch_hosts": ["https://es-1:9200"], "logstash_elasticsearch_api_key": "id:key",
            "logstash_keystore_password": "long-enough-password", "llmagentos_agents": []}


def test_the_beats_input_takes_only_shippers_with_a_certificate_from_the_ca_unless_opted_out(tmp_path):
    pipeline = _role_value(tmp_path, "logstash", "logstash_compiled_pipeline", LOGSTASH)
    assert 'ssl_certificate => "/etc/logstash/certs/logstash.crt"' in pipeline
    assert 'ssl_key => "/etc/logstash/certs/logstash.key"' in pipeline
    assert 'ssl_client_authentication => "required"' in pipeline
    assert 'ssl_certificate_authorities => ["/etc/logstash/certs/llmagentos-ca.crt"]' in pipeline
    open_input = _role_value(tmp_path, "logstash", "logstash_compiled_pipeline",
                             {**LOGSTASH, "llmagentos_web_tls": False, "llmagentos_web_auth": False})
    assert "ssl_" not in open_input.split("filter {")[0]


def test_filebeat_shows_logstash_its_certificate_from_the_ca_unless_opted_out(tmp_path):
    settings = {"filebeat_output": "logstash", "filebeat_logstash_hosts": ["ls-1:5044"], "llmagentos_agents": [],
                "filebeat_stats": False}
    output = _role_value(tmp_path, "filebeat", "_filebeat_outputs.logstash['output.logstash']", settings)
    assert output == {"hosts": ["ls-1:5044"], "ssl.certificate_authorities": ["/etc/filebeat/certs/llmagentos-ca.crt"],
                      "ssl.certificate": "/etc/filebeat/certs/filebeat.crt", "ssl.key": "/etc/filebeat/certs/filebeat.key"}
    assert _role_value(tmp_path, "filebeat", "_filebeat_outputs.logstash['output.logstash']",
                       {**settings, "filebeat_logstash_tls": False, "filebeat_logstash_client_certificate": False}) == {"hosts": ["ls-1:5044"]}
    # Toward Elasticsearch nothing changes: its CA is the user's to name.
    assert "ssl.certificate" not in _role_value(tmp_path, "filebeat", "_filebeat_outputs.elasticsearch['output.elasticsearch']", {
        **settings, "filebeat_output": "elasticsearch", "filebeat_elasticsearch_hosts": ["https://es:9200"],
        "filebeat_elasticsearch_api_key": "id:key"})


def test_filebeat_ships_the_remediation_audit_trail_where_asked(tmp_path):
    settings = {"filebeat_output": "elasticsearch", "filebeat_elasticsearch_hosts": ["https://es:9200"],
                "filebeat_elasticsearch_api_key": "id:key", "llmagentos_agents": [], "filebeat_stats": False,
                "remediation_log_dir": "/srv/remediation"}
    # Off by default on a host outside the remediation group.
    assert _role_value(tmp_path, "filebeat", "_filebeat_inputs", settings) == []
    (audit,) = _role_value(tmp_path, "filebeat", "_filebeat_inputs", {**settings, "filebeat_remediation_audit": True})
    assert audit["paths"] == ["/srv/remediation/audit.log"]
    # The JSON lines' own fields (event.dataset llmagentos.remediation among them) go to the event's root.
    assert audit["parsers"] == [{"ndjson": {"target": "", "overwrite_keys": True, "add_error_key": True}}]
    assert audit["fields"]["data_stream"] == {"type": "logs", "dataset": "llmagentos.agents", "namespace": "default"}


def test_a_bad_blackbox_client_is_refused_naming_the_field(tmp_path):
    play = local_play(gather_facts=False, roles=["llmagentos.ops.agent_monitoring"])
    for client, error in (({"scheme": "ftp"}, "value of scheme must be one of: http, https, got: ftp found in agent_monitoring_blackbox_client"),
                          ({"basic_auth": {"password_file": "/etc/p"}},
                           "missing required arguments: username found in agent_monitoring_blackbox_client -> basic_auth"),
                          ({"tls_config": {"ca": "/etc/ca.crt"}}, "agent_monitoring_blackbox_client.tls_config.ca. Supported parameters include")):
        code, output = run_play(tmp_path, play, "-e", json.dumps({"agent_monitoring_blackbox_client": client}))
        assert code != 0
        assert error in " ".join(output.split()), output


def test_a_system_user_name_longer_than_useradd_takes_is_refused_before_anything_is_created(tmp_path):
    play = local_play(tasks=[{"name": "Only the preflight",
                              "ansible.builtin.include_role": {"name": "llmagentos.ops.agent_service", "tasks_from": "preflight.yml"}}])
    settings = {"agent_service_name": "customer-support-llm-worker", "agent_service_release": "1.0.0",
                "agent_service_command": ["/bin/true"], "agent_service_listen_port": 8000}
    code, output = run_play(tmp_path, play, "-e", json.dumps(settings))
    assert code != 0
    assert ("agent_service_system_user is 'llmagentos-customer-support-llm-worker' (38 characters): a system user or group "
            "name is at most 32") in " ".join(output.split()), output


def test_a_release_a_remediation_rolled_back_is_refused_until_asked_for_again(tmp_path):
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "rolled-back").write_text(
        "1.2.0\nrolled back on agent-1 at 2026-12-04T16:19:06Z by llmagentos.ops remediation (ToolAPIErrorRateHigh)\n")
    play = local_play(gather_facts=False, tasks=[{
        "name": "Only the preflight",
        "ansible.builtin.include_role": {"name": "llmagentos.ops.agent_service", "tasks_from": "preflight.yml"}}])
    settings = {"agent_service_name": "bot", "agent_service_base_dir": str(tmp_path), "agent_service_command": ["/bin/true"],
                "agent_service_listen_port": 8000}
    code, output = run_play(tmp_path, play, "-e", json.dumps(dict(settings, agent_service_release="1.2.0")))
    assert code != 0
    assert ("bot 1.2.0 was rolled back on agent-1 at 2026-12-04T16:19:06Z by llmagentos.ops remediation (ToolAPIErrorRateHigh), "
            "and agent_service_release still names it") in " ".join(output.split()), output
    # Another release (1.2 is not 1.2.0), or the same one asked for again as -e gives it, a string.
    for extra in ({"agent_service_release": "1.2"}, {"agent_service_release": "1.3.0"}):
        code, output = run_play(tmp_path, play, "-e", json.dumps(dict(settings, **extra)))
        assert code == 0, output
    code, output = run_play(tmp_path, play, "-e", json.dumps(dict(settings, agent_service_release="1.2.0")),
                            "-e", "agent_service_redeploy_rolled_back=true")
    assert code == 0, output


ROOT = Path(__file__).resolve().parents[2]
GPU_STAND_IN = ROOT / "molecule" / "shared" / "files" / "gpu" / "gpu_stand_in.py"
GPU_ROLES = {"nvidia_gpu_exporter": "nvidia_gpu_exporter_nvidia_smi", "dcgm_exporter": "dcgm_exporter_nvidia_smi"}


def gpu_preflight(tmp_path, role, **extra):
    play = local_play(tasks=[{"name": "Only the preflight",
                              "ansible.builtin.include_role": {"name": f"llmagentos.ops.{role}", "tasks_from": "preflight.yml"}}])
    return run_play(tmp_path, play, "-e", json.dumps(extra))


def driver(tmp_path, script):
    """An nvidia-smi: the stand-in that lists two GPUs, or a script playing a broken driver."""
    path = tmp_path / "bin" / "nvidia-smi"
    path.parent.mkdir(exist_ok=True)
    path.write_text("#!/usr/bin/python3\n" + GPU_STAND_IN.read_text() if script is None else script)
    path.chmod(0o755)
    return str(path)


@pytest.mark.parametrize("role", sorted(GPU_ROLES))
def test_a_host_without_the_nvidia_driver_is_refused_saying_so(tmp_path, role):
    code, output = gpu_preflight(tmp_path, role, **{GPU_ROLES[role]: str(tmp_path / "absent" / "nvidia-smi")})
    assert code != 0
    assert (f"has no working NVIDIA driver: {tmp_path}/absent/nvidia-smi is not installed. {role} reads the GPUs through "
            "the driver: install the NVIDIA driver (and reboot) first") in " ".join(output.split()), output
    broken = driver(tmp_path, "#!/bin/sh\necho \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\nexit 9\n")
    code, output = gpu_preflight(tmp_path, role, **{GPU_ROLES[role]: broken})
    assert code != 0
    assert "--query-gpu answered NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver" in " ".join(output.split())


def test_the_nvidia_gpu_exporter_preflight_passes_on_a_host_with_gpus(tmp_path):
    code, output = gpu_preflight(tmp_path, "nvidia_gpu_exporter", nvidia_gpu_exporter_nvidia_smi=driver(tmp_path, None))
    assert code == 0, output


@pytest.mark.parametrize(("settings", "message"), [
    ({}, "dcgm_exporter_install_method is archive: set dcgm_exporter_archive_src to a .tar.gz with the dcgm-exporter binary"),
    ({"dcgm_exporter_install_method": "container", "dcgm_exporter_docker": "/nonexistent/docker"},
     "dcgm_exporter_install_method is container, but localhost has no /nonexistent/docker: install Docker and the NVIDIA Container Toolkit"),
    ({"dcgm_exporter_install_method": "container", "dcgm_exporter_image_digest": "latest"},
     "dcgm_exporter_image_digest must be sha256:<64 hex digits>, got latest."),
    ({"dcgm_exporter_archive_src": "/tmp/d.tar.gz", "dcgm_exporter_archive_checksum": "sha256:00",
      "dcgm_exporter_counters_extra": [{"field": "DCGM_FI_PROF_SM_ACTIVE", "type": "gauge", "help": "SMs, busy"}]},
     "dcgm_exporter_counters_extra[0].help: must be one line of text without commas"),
])
def test_the_dcgm_exporter_preflight_names_what_to_fix(tmp_path, settings, message):
    code, output = gpu_preflight(tmp_path, "dcgm_exporter", dcgm_exporter_nvidia_smi=driver(tmp_path, None), **settings)
    assert code != 0
    assert message in " ".join(output.split()), output


def test_agent_monitoring_reaches_the_gpu_components_as_the_collections_exporters_serve_them(tmp_path):
    """While an exporter role's group has hosts, its preset's components are scraped with HTTPS, the CA and the
    password file that role gives Prometheus; without, as the description says."""
    role = ROOT / "roles" / "agent_monitoring"

    def clients(groups, **settings):
        play = local_play(gather_facts=False, vars_files=[str(role / "defaults" / "main.yml"), str(role / "vars" / "main.yml")], tasks=[
            *({"name": f"Put a host in {group}", "ansible.builtin.add_host": {"name": f"{group}-1", "groups": [group]}} for group in groups),
            _show("agent_monitoring_preset_clients")])
        return _shown(tmp_path, play, settings)

    assert clients([]) == {}
    secured = clients(["dcgm_exporter"])
    assert secured == {"dcgm": {"scheme": "https", "tls_config": {"ca_file": "/etc/prometheus/tls/llmagentos-ca.crt"},
                                "basic_auth": {"username": "prometheus",
                                               "password_file": "/etc/prometheus/credentials/dcgm_exporter.password"}}}
    both = clients(["dcgm_exporter", "nvidia_gpu_exporter"], llmagentos_web_tls=False)
    assert sorted(both) == ["dcgm", "nvidia_smi"] and both["nvidia_smi"]["scheme"] == "http"
    assert both["nvidia_smi"]["basic_auth"]["password_file"] == "/etc/prometheus/credentials/nvidia_gpu_exporter.password"
