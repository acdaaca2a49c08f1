"""Renders the roles' configuration templates through Ansible with the roles' own defaults,
then checks them with the upstream validators (promtool, amtool, blackbox_exporter)."""

import base64
import configparser
import json
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import bcrypt
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from tools import tool

ROOT = Path(__file__).resolve().parents[2]
ROLES = ROOT / "roles"

INVENTORY = textwrap.dedent("""\
    all:
      children:
        alertmanager:
          hosts:
            am1: {llmagentos_address: 10.0.0.9}
            am2: {ansible_host: 10.0.0.10}
        prometheus:
          hosts:
            prom1: {}
        alertmanager_solo:
          hosts:
            am1: {}
""")


def render(tmp_path, host, templates, extra_vars, roles=()):
    """Renders templates for one inventory host with the roles' defaults and vars loaded;
    returns {name: text}. A template is (role, file in its templates/) or a Jinja string."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    sources = {}
    for name, template in templates.items():
        if isinstance(template, tuple):
            role, file = template
            roles = (*roles, role)
            sources[name] = ROLES / role / "templates" / file
        else:
            sources[name] = tmp_path / f"{name}.j2"
            sources[name].write_text(template)
    vars_files = [str(ROLES / role / sub / "main.yml") for role in sorted(set(roles)) for sub in ("defaults", "vars")
                  if (ROLES / role / sub / "main.yml").exists()]
    tasks = [{
        "name": f"Render {name}",
        "ansible.builtin.template": {"src": str(source), "dest": str(out / name), "mode": "0600"},
    } for name, source in sources.items()]
    play = [{"hosts": host, "gather_facts": False, "connection": "local", "vars_files": vars_files,
             "vars": {"ansible_python_interpreter": sys.executable}, "tasks": tasks}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    # Extra vars, like inventory values, must win over the role defaults loaded as vars_files.
    (tmp_path / "extra.json").write_text(json.dumps(extra_vars))
    (tmp_path / "inventory.yml").write_text(INVENTORY)
    result = subprocess.run(
        ["ansible-playbook", "-i", str(tmp_path / "inventory.yml"), "-e", f"@{tmp_path / 'extra.json'}", str(tmp_path / "play.yml")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {name: (out / name).read_text() for name in templates}


def check(command):
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def test_prometheus_config_points_at_every_alertmanager_and_passes_promtool(tmp_path):
    rendered = render(tmp_path, "prom1", {"prometheus.yml": ("prometheus", "prometheus.yml.j2")}, {
        "prometheus_external_labels": {"cluster": "eu-1"},
        "prometheus_remote_write": [{"url": "https://mimir.example/api/v1/push"}],
        "prometheus_rules_dir": str(tmp_path / "rules"),
    })
    config = yaml.safe_load(rendered["prometheus.yml"])
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == ["10.0.0.9:9093", "10.0.0.10:9093"]
    assert config["global"]["external_labels"] == {"cluster": "eu-1"}
    assert config["remote_write"] == [{"url": "https://mimir.example/api/v1/push"}]
    assert [job["job_name"] for job in config["scrape_configs"]] == [
        "prometheus", "alertmanager", "node", "elasticsearch", "dcgm_exporter", "nvidia_gpu_exporter", "blackbox_exporter", "blackbox"]
    (tmp_path / "prometheus.yml").write_text(rendered["prometheus.yml"])
    code, output = check([tool("promtool"), "check", "config", str(tmp_path / "prometheus.yml")])
    assert code == 0, output


def test_prometheus_config_without_alertmanagers_has_no_alerting_section(tmp_path):
    rendered = render(tmp_path, "prom1", {"prometheus.yml": ("prometheus", "prometheus.yml.j2")},
                      {"prometheus_alertmanager_group": "nobody"})
    assert "alerting" not in yaml.safe_load(rendered["prometheus.yml"])


def test_alertmanager_config_passes_amtool_and_routes_to_receivers(tmp_path):
    rendered = render(tmp_path, "am1", {"alertmanager.yml": ("alertmanager", "alertmanager.yml.j2")}, {
        "alertmanager_receivers": [{"name": "default"}, {"name": "pager", "webhook_configs": [{"url": "http://127.0.0.1:9099/"}]}],
        "alertmanager_route": {"receiver": "default", "routes": [{"receiver": "pager", "matchers": ['severity="critical"']}]},
        "alertmanager_config_dir": str(tmp_path),
    })
    path = tmp_path / "alertmanager.yml"
    path.write_text(rendered["alertmanager.yml"])
    code, output = check([tool("amtool"), "check-config", str(path)])
    assert code == 0, output
    for labels, receiver in (("severity=critical", "pager"), ("severity=warning", "default")):
        result = subprocess.run([tool("amtool"), "config", "routes", "test", "--config.file", str(path), labels],
                                capture_output=True, text=True, check=False)
        assert (result.returncode, result.stdout.strip()) == (0, receiver), result.stderr


def test_extra_routes_go_ahead_of_the_users_routes_and_extra_inhibit_rules_after_theirs(tmp_path):
    rendered = render(tmp_path, "am1", {"alertmanager.yml": ("alertmanager", "alertmanager.yml.j2")}, {
        "alertmanager_receivers": [{"name": "default"}, {"name": "pager"}, {"name": "team-cx"}],
        "alertmanager_route": {"receiver": "default", "routes": [{"receiver": "pager", "matchers": ['severity="critical"']}]},
        "alertmanager_routes_extra": [{"receiver": "team-cx", "matchers": ['team="cx"']}],
        "alertmanager_inhibit_rules_extra": [{"source_matchers": ['alertname="AgentComponentDown"'],
                                              "target_matchers": ['alertname="X"'], "equal": ["agent"]}],
        "alertmanager_config_dir": str(tmp_path),
    })
    path = tmp_path / "alertmanager.yml"
    path.write_text(rendered["alertmanager.yml"])
    config = yaml.safe_load(rendered["alertmanager.yml"])
    assert [route["receiver"] for route in config["route"]["routes"]] == ["watchdog-not-routed", "team-cx", "pager"]
    assert [rule["source_matchers"] for rule in config["inhibit_rules"]] == [['severity="critical"'], ['alertname="AgentComponentDown"']]
    for labels, receiver in ((["team=cx", "severity=critical"], "team-cx"), (["severity=critical"], "pager")):
        result = subprocess.run([tool("amtool"), "config", "routes", "test", "--config.file", str(path), *labels],
                                capture_output=True, text=True, check=False)
        assert (result.returncode, result.stdout.strip()) == (0, receiver), result.stderr


@pytest.mark.parametrize("watchdog_receiver", ["", "deadmansswitch"])
def test_watchdog_goes_to_its_receiver_ahead_of_every_other_route(tmp_path, watchdog_receiver):
    receivers = [{"name": "default"}, {"name": "pager"}, {"name": "deadmansswitch", "webhook_configs": [{"url": "https://hc.example/ping"}]}]
    rendered = render(tmp_path, "am1", {"alertmanager.yml": ("alertmanager", "alertmanager.yml.j2")}, {
        "alertmanager_receivers": receivers, "alertmanager_watchdog_receiver": watchdog_receiver,
        "alertmanager_route": {"receiver": "pager", "routes": [{"receiver": "pager", "matchers": ['alertname=~".+"']}]},
        "alertmanager_config_dir": str(tmp_path),
    })
    path = tmp_path / "alertmanager.yml"
    path.write_text(rendered["alertmanager.yml"])
    config = yaml.safe_load(rendered["alertmanager.yml"])
    expected = watchdog_receiver or "watchdog-not-routed"
    assert [r["name"] for r in config["receivers"]] == [r["name"] for r in receivers] + ([] if watchdog_receiver else [expected])
    assert config["route"]["routes"][0]["repeat_interval"] == "1m"
    for labels, receiver in ((["alertname=Watchdog", "severity=none"], expected), (["alertname=StackTargetDown"], "pager")):
        result = subprocess.run([tool("amtool"), "config", "routes", "test", "--config.file", str(path), *labels],
                                capture_output=True, text=True, check=False)
        assert (result.returncode, result.stdout.strip()) == (0, receiver), result.stderr


def test_default_inhibit_rule_lets_critical_mute_warning_of_the_same_component(tmp_path):
    rendered = render(tmp_path, "am1", {"alertmanager.yml": ("alertmanager", "alertmanager.yml.j2")}, {})
    inhibit = yaml.safe_load(rendered["alertmanager.yml"])["inhibit_rules"]
    assert inhibit == [{"source_matchers": ['severity="critical"'], "target_matchers": ['severity="warning"'],
                        "equal": ["alertname", "agent", "component"]}]


def test_blackbox_default_modules_pass_the_exporters_own_check(tmp_path):
    rendered = render(tmp_path, "prom1", {"blackbox.yml": ("blackbox_exporter", "blackbox.yml.j2")}, {})
    path = tmp_path / "blackbox.yml"
    path.write_text(rendered["blackbox.yml"])
    code, output = check([tool("blackbox_exporter"), "--config.check", f"--config.file={path}"])
    assert code == 0, output


def test_web_config_stores_bcrypt_hashes_that_match_and_do_not_change_between_runs(tmp_path):
    variables = {
        "common_name": "node_exporter",
        "common_web_tls": False,
        "common_web_tls_cert_file": "/etc/ssl/node.pem",
        "common_web_tls_key_file": "/etc/ssl/node.key",
        "common_web_tls_dir": "/etc/node_exporter/tls",
        "common_web_auth": False,
        "common_web_basic_auth_users": {"prometheus": "s3cret", "admin": "other"},
    }
    first = render(tmp_path, "prom1", {"web.yml": ("common", "web_config.yml.j2")}, variables)["web.yml"]
    second = render(tmp_path, "prom1", {"web.yml": ("common", "web_config.yml.j2")}, variables)["web.yml"]
    assert first == second
    web = yaml.safe_load(first)
    # A certificate of the user's serves HTTPS whatever common_web_tls says.
    assert web["tls_server_config"] == {"cert_file": "/etc/ssl/node.pem", "key_file": "/etc/ssl/node.key", "min_version": "TLS12"}
    users = web["basic_auth_users"]
    assert bcrypt.checkpw(b"s3cret", users["prometheus"].encode())
    assert bcrypt.checkpw(b"other", users["admin"].encode())
    assert not bcrypt.checkpw(b"wrong", users["prometheus"].encode())
    assert "s3cret" not in first
    # promtool loads the certificate files, which do not exist here: check the auth part alone.
    (tmp_path / "web.yml").write_text(yaml.safe_dump({"basic_auth_users": users}))
    code, output = check([tool("promtool"), "check", "web-config", str(tmp_path / "web.yml")])
    assert code == 0, output


def test_web_config_by_default_serves_the_issued_certificate_to_generated_users_only(tmp_path):
    credentials = tmp_path / "credentials"
    variables = {
        "llmagentos_credentials_dir": str(credentials),
        "common_name": "alertmanager",
        "common_web_tls": True, "common_web_tls_cert_file": "", "common_web_tls_key_file": "",
        "common_web_tls_dir": "/etc/alertmanager/tls",
        "common_web_auth": True, "common_web_generated_users": ["prometheus", "admin"], "common_web_basic_auth_users": {},
    }
    first = render(tmp_path, "am1", {"web.yml": ("common", "web_config.yml.j2")}, variables)["web.yml"]
    again = render(tmp_path, "am1", {"web.yml": ("common", "web_config.yml.j2")}, variables)["web.yml"]
    assert first == again
    web = yaml.safe_load(first)
    assert web["tls_server_config"] == {"cert_file": "/etc/alertmanager/tls/alertmanager.crt",
                                        "key_file": "/etc/alertmanager/tls/alertmanager.key", "min_version": "TLS12"}
    assert sorted(web["basic_auth_users"]) == ["admin", "prometheus"]
    for user in ("prometheus", "admin"):
        saved = credentials / "web" / f"alertmanager.{user}"
        assert saved.stat().st_mode & 0o777 == 0o600 and (credentials / "web").stat().st_mode & 0o777 == 0o700
        password = saved.read_text().strip()
        assert len(password) == 32 and password not in first
        assert bcrypt.checkpw(password.encode(), web["basic_auth_users"][user].encode())
    opted_out = render(tmp_path, "am1", {"web.yml": ("common", "web_config.yml.j2")},
                       {**variables, "common_web_tls": False, "common_web_auth": False})["web.yml"]
    assert yaml.safe_load(opted_out) == {}


def test_a_unit_is_verified_by_systemd_before_it_goes_live(tmp_path):
    """The template task's validate command, as Ansible runs it: a sound unit passes, one whose
    program is missing is refused with systemd's reason."""
    base = {
        "common_name": "node_exporter", "common_service_name": "prometheus-node-exporter", "common_description": "d",
        "common_documentation": "https://example", "common_system_user": "root", "common_system_group": "root",
        "common_reload_with_hup": False, "common_needs_full_proc": False, "common_capabilities": [],
        "common_address_families": ["AF_INET"], "common_read_write_paths": [],
    }
    for name, program, expected in (("good", "/bin/true", 0), ("missing", "/usr/bin/not-node-exporter", 1)):
        rendered = render(tmp_path, "prom1", {"unit": ("common", "service.j2"), "validate": "{{ __common_unit_validate }}"},
                          {**base, "common_exec_start": [program, "--web.listen-address=:9100"]})
        candidate = tmp_path / f"candidate-{name}"
        candidate.write_text(rendered["unit"])
        command = shlex.split(rendered["validate"].replace("%s", str(candidate)))
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert (result.returncode != 0) == bool(expected), result.stdout + result.stderr
        if expected:
            assert "Command /usr/bin/not-node-exporter is not executable" in result.stderr
    assert not list(Path("/tmp").glob("tmp*/prometheus-node-exporter.service"))


def test_hardened_unit_grants_capabilities_only_when_asked(tmp_path):
    base = {
        "common_name": "blackbox_exporter", "common_description": "d", "common_documentation": "https://example",
        "common_system_user": "prometheus", "common_system_group": "prometheus",
        "common_exec_start": ["/usr/bin/prometheus-blackbox-exporter", "--config.file=/etc/b.yml"],
        "common_reload_with_hup": True, "common_needs_full_proc": False,
        "common_address_families": ["AF_INET", "AF_INET6"], "common_read_write_paths": [],
    }
    plain = render(tmp_path, "prom1", {"unit": ("common", "service.j2")}, {**base, "common_capabilities": []})["unit"]
    icmp = render(tmp_path, "prom1", {"unit": ("common", "service.j2")}, {**base, "common_capabilities": ["CAP_NET_RAW"]})["unit"]
    assert "CapabilityBoundingSet=\n" in plain and "AmbientCapabilities=\n" in plain
    assert "CapabilityBoundingSet=CAP_NET_RAW\n" in icmp and "AmbientCapabilities=CAP_NET_RAW\n" in icmp
    assert "ExecReload=/bin/kill -HUP $MAINPID" in plain
    assert "ProcSubset=pid" in plain
    assert 'ExecStart="/usr/bin/prometheus-blackbox-exporter" \\\n    "--config.file=/etc/b.yml"\n' in plain
    assert json.dumps(plain).count("ProtectSystem=strict") == 1


def test_alertmanager_clusters_with_the_other_hosts_of_its_group(tmp_path):
    args = render(tmp_path, "am1", {"args": "{{ _alertmanager_args | to_json }}"}, {}, roles=("alertmanager",))["args"]
    args = json.loads(args)
    assert "--cluster.listen-address=0.0.0.0:9094" in args
    assert [a for a in args if a.startswith("--cluster.peer=")] == ["--cluster.peer=10.0.0.10:9094"]


def test_a_single_alertmanager_switches_clustering_off(tmp_path):
    args = json.loads(render(tmp_path, "am1", {"args": "{{ _alertmanager_args | to_json }}"},
                             {"alertmanager_cluster_group": "alertmanager_solo"}, roles=("alertmanager",))["args"])
    assert "--cluster.listen-address=" in args
    assert not [a for a in args if a.startswith("--cluster.peer")]


def test_alertmanager_templates_are_loaded_by_the_checked_config(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "llm.tmpl").write_text('{{ define "llm.title" }}[{{ .Status }}] {{ .CommonLabels.agent }}{{ end }}')
    email = {
        "to": "oncall@example.com", "from": "am@example.com", "smarthost": "smtp.example.com:587",
        # Go templates must reach the file untouched by Jinja.
        "headers": {"Subject": '{% raw %}{{ template "llm.title" . }}{% endraw %}'},
    }
    rendered = render(tmp_path, "am1", {"alertmanager.yml": ("alertmanager", "alertmanager.yml.j2")}, {
        "alertmanager_config_dir": str(tmp_path),
        "alertmanager_receivers": [{"name": "default", "webhook_configs": [{"url": "http://127.0.0.1:9099/"}]},
                                   {"name": "mail", "email_configs": [email]}],
    })
    path = tmp_path / "alertmanager.yml"
    path.write_text(rendered["alertmanager.yml"])
    assert yaml.safe_load(rendered["alertmanager.yml"])["templates"] == [f"{tmp_path}/templates/*.tmpl"]
    assert '{{ template "llm.title" . }}' in rendered["alertmanager.yml"]
    code, output = check([tool("amtool"), "check-config", str(path)])
    assert code == 0 and "1 templates" in output, output
    (tmp_path / "templates" / "llm.tmpl").write_text('{{ define "llm.title" }}{{ .Broken')
    code, output = check([tool("amtool"), "check-config", str(path)])
    assert code != 0, output


def test_elasticsearch_nodes_of_a_group_discover_each_other_over_tls(tmp_path):
    settings = json.loads(render(tmp_path, "am1", {"settings": "{{ _elasticsearch_settings | to_json }}"},
                                 {"elasticsearch_cluster_group": "alertmanager"}, roles=("elasticsearch",))["settings"])
    assert settings["discovery.seed_hosts"] == ["10.0.0.9:9300", "10.0.0.10:9300"]
    assert "discovery.type" not in settings
    assert settings["xpack.security.enabled"] and settings["xpack.security.http.ssl.enabled"]
    assert settings["xpack.security.transport.ssl.certificate_authorities"] == ["certs/llmagentos-ca.crt"]


def test_a_single_elasticsearch_node_is_a_single_node_cluster_and_extra_settings_win(tmp_path):
    settings = json.loads(render(tmp_path, "am1", {"settings": "{{ _elasticsearch_settings | to_json }}"},
                                 {"elasticsearch_cluster_group": "alertmanager_solo",
                                  "elasticsearch_extra_settings": {"http.port": 9201, "indices.memory.index_buffer_size": "20%"}},
                                 roles=("elasticsearch",))["settings"])
    assert settings["discovery.type"] == "single-node" and "discovery.seed_hosts" not in settings
    assert settings["http.port"] == 9201 and settings["indices.memory.index_buffer_size"] == "20%"


def test_kibana_reaches_every_elasticsearch_node_of_its_group_by_https_with_full_verification(tmp_path):
    settings = json.loads(render(tmp_path, "prom1", {"settings": "{{ _kibana_settings | to_json }}"},
                                 {"kibana_elasticsearch_group": "alertmanager"}, roles=("kibana",))["settings"])
    assert settings["elasticsearch.hosts"] == ["https://10.0.0.9:9200", "https://10.0.0.10:9200"]
    assert settings["elasticsearch.ssl.verificationMode"] == "full"
    assert settings["server.publicBaseUrl"] == "https://prom1:5601"
    assert "elasticsearch.serviceAccountToken" not in settings and "elasticsearch.password" not in settings


def test_an_agent_unit_gets_its_limits_and_only_the_gpus_it_is_pinned_to(tmp_path):
    agent = {"agent_service_name": "support-bot", "agent_service_release": "1.4.2", "agent_service_listen_port": 8000,
             "agent_service_gpus": [1, 3], "agent_service_memory_max": "16G", "agent_service_cpu_quota": "800%"}
    rendered = render(tmp_path, "prom1", {"values": "{{ {'env': _agent_service_environment, 'devices': _agent_service_devices,"
                                                    " 'limits': _agent_service_resources} | to_json }}"},
                      agent, roles=("agent_service",))["values"]
    values = json.loads(rendered)
    assert values["env"] == {"LLMAGENTOS_RELEASE": "1.4.2", "CUDA_VISIBLE_DEVICES": "1,3"}
    assert values["devices"] == ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia1", "/dev/nvidia3"]
    assert values["limits"] == {"MemoryMax": "16G", "CPUQuota": "800%"}
    base = {
        "common_name": "support-bot", "common_description": "d", "common_documentation": "https://example",
        "common_system_user": "agent", "common_system_group": "agent", "common_exec_start": ["/usr/bin/agent"],
        "common_reload_with_hup": False, "common_needs_full_proc": False, "common_capabilities": [],
        "common_address_families": ["AF_INET"], "common_read_write_paths": [],
        "common_resource_controls": values["limits"], "common_environment": values["env"],
    }
    gpu = render(tmp_path, "prom1", {"unit": ("common", "service.j2")}, {**base, "common_device_allow": values["devices"]})["unit"]
    cpu = render(tmp_path, "prom1", {"unit": ("common", "service.j2")}, base)["unit"]
    assert "MemoryMax=16G\n" in gpu and "CPUQuota=800%\n" in gpu and 'Environment="CUDA_VISIBLE_DEVICES=1,3"' in gpu
    assert "PrivateDevices=no\nDevicePolicy=closed\n" in gpu and "DeviceAllow=/dev/nvidia3 rw\n" in gpu
    assert "DeviceAllow=/dev/nvidia0" not in gpu
    assert "PrivateDevices=yes\n" in cpu and "DeviceAllow" not in cpu


def test_an_agent_publishes_the_gpus_it_is_pinned_to_for_node_exporter(tmp_path):
    agent = {"agent_service_name": "support-bot-llm", "agent_service_release": "1.4.2", "agent_service_listen_port": 8000,
             "agent_service_gpus": [1, 3], "agent_service_agent": "support-bot", "agent_service_component": "llm"}
    rendered = render(tmp_path, "prom1", {"text": "{{ _agent_service_gpu_assignment }}", "file": "{{ _agent_service_gpu_assignment_file }}"},
                      agent, roles=("agent_service",))
    assert rendered["file"] == "/var/lib/node_exporter/textfile_collector/llmagentos-gpus-support-bot-llm.prom"
    [family] = text_string_to_metric_families(rendered["text"])
    assert family.name == "llmagentos_gpu_assignment" and family.type == "gauge"
    assert [(sample.labels, sample.value) for sample in family.samples] == [
        ({"gpu": gpu, "assigned_agent": "support-bot", "assigned_component": "llm"}, 1.0) for gpu in ("1", "3")]


def grafana_render(tmp_path, extra_vars):
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nTEST-CA\n-----END CERTIFICATE-----\n")
    dashboards = [{"folder": "Team cx", "model": {"uid": "llmagentos-support-bot"}},
                  {"folder": "LLM agents", "model": {"uid": "llmagentos-fleet"}}]
    settings = {"ansible_facts": {"architecture": "x86_64", "os_family": "Debian"}, "grafana_datasource_ca_certificate": str(ca),
                "_grafana_dashboards": dashboards, "grafana_admin_password": "planted-admin-password",
                "grafana_secret_key": "planted-secret-key-of-32-characters!", **extra_vars}
    return render(tmp_path, "prom1", {"grafana.ini": ("grafana", "grafana.ini.j2"), "datasources.yml": ("grafana", "datasources.yml.j2"),
                                      "dashboards.yml": ("grafana", "dashboards.yml.j2")}, settings)


def test_grafana_ini_has_safe_defaults_and_reads_its_secrets_from_files(tmp_path):
    rendered = grafana_render(tmp_path, {"grafana_settings_extra": {"auth.generic_oauth": {"enabled": True, "client_id": "grafana"}},
                                         "grafana_ldap_config": "[[servers]]\nhost = \"ldap.example\"\n"})
    ini = configparser.ConfigParser(interpolation=None)
    ini.read_string(rendered["grafana.ini"])
    assert ini["server"]["protocol"] == "https" and ini["server"]["cert_file"] == "/etc/grafana/certs/grafana.crt"
    assert ini["security"]["admin_password"] == "$__file{/etc/grafana/secrets/admin_password}"
    assert ini["security"]["secret_key"] == "$__file{/etc/grafana/secrets/secret_key}"
    assert [ini["security"][key] for key in ("cookie_secure", "strict_transport_security", "allow_embedding")] == ["true", "true", "false"]
    assert ini["users"]["allow_sign_up"] == "false" and ini["auth.anonymous"]["enabled"] == "false"
    assert ini["analytics"]["check_for_updates"] == "false" and ini["analytics"]["reporting_enabled"] == "false"
    assert ini["auth.generic_oauth"]["client_id"] == "grafana"
    assert ini["auth.ldap"]["enabled"] == "true" and ini["auth.ldap"]["config_file"] == "/etc/grafana/ldap.toml"
    assert "planted" not in rendered["grafana.ini"]


def test_grafana_datasources_carry_the_stack_credentials_ca_and_a_read_only_key(tmp_path):
    rendered = grafana_render(tmp_path, {
        "grafana_prometheus_url": "https://prom1:9090", "grafana_prometheus_username": "admin", "grafana_prometheus_password": "p-secret",
        "grafana_alertmanager_url": "", "grafana_logs_url": "https://es-1:9200", "grafana_logs_api_key": "key-id:key-secret"})
    config = yaml.safe_load(rendered["datasources.yml"])
    sources = {source["uid"]: source for source in config["datasources"]}
    assert config["apiVersion"] == 1 and set(sources) == {"llmagentos-prometheus", "llmagentos-logs"}
    prometheus, logs = sources["llmagentos-prometheus"], sources["llmagentos-logs"]
    assert prometheus["isDefault"] and prometheus["basicAuth"] and prometheus["basicAuthUser"] == "admin"
    assert prometheus["secureJsonData"]["basicAuthPassword"] == "p-secret"
    assert prometheus["jsonData"]["tlsAuthWithCACert"] and "TEST-CA" in prometheus["secureJsonData"]["tlsCACert"]
    assert logs["type"] == "elasticsearch" and logs["jsonData"]["index"] == "logs-llmagentos.agents-*"
    assert logs["jsonData"]["httpHeaderName1"] == "Authorization"
    assert logs["secureJsonData"]["httpHeaderValue1"] == "ApiKey " + base64.b64encode(b"key-id:key-secret").decode()
    assert all(not source["editable"] for source in sources.values())


@pytest.mark.parametrize("edits, allowed", [("restore", False), ("report", True)])
def test_grafana_provides_a_folder_per_team_with_a_stable_uid(tmp_path, edits, allowed):
    rendered = grafana_render(tmp_path, {"grafana_dashboard_edits": edits})
    providers = {provider["folder"]: provider for provider in yaml.safe_load(rendered["dashboards.yml"])["providers"]}
    assert {folder: provider["folderUid"] for folder, provider in providers.items()} == {
        "Team cx": "llmagentos-team-cx", "LLM agents": "llmagentos-llm-agents"}
    assert providers["Team cx"]["options"]["path"] == "/var/lib/grafana/dashboards/llmagentos-team-cx"
    assert {provider["allowUiUpdates"] for provider in providers.values()} == {allowed}
    assert {provider["disableDeletion"] for provider in providers.values()} == {False}


def check_mode_output(tmp_path, role, parts, settings, gather_facts=False):
    """The output of the role's task files `parts` run on this machine with --check --diff -vvv."""
    play = [{"hosts": "localhost", "connection": "local", "gather_facts": gather_facts, "tasks": [
        {"name": f"The {role} role's {part}", "ansible.builtin.include_role": {"name": f"llmagentos.ops.{role}", "tasks_from": part}}
        for part in parts]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    (tmp_path / "extra.json").write_text(json.dumps(settings))
    result = subprocess.run(["ansible-playbook", "-i", "localhost,", "--check", "--diff", "-vvv", "-e", f"@{tmp_path / 'extra.json'}",
                             str(tmp_path / "play.yml")], capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return output


def test_grafana_prints_no_secret_under_diff_and_vvv(tmp_path):
    """The configuration and dashboard steps of the grafana role, in check mode with --diff -vvv
    on this machine: the admin password, the secret key, the stack's password and the logs key
    appear nowhere in the output."""
    planted = {"grafana_admin_password": "planted-admin-6f1d2c", "grafana_secret_key": "planted-secret-key-9b3e47-of-32-chars",
               "grafana_prometheus_password": "planted-prometheus-2c8a51", "grafana_logs_api_key": "key-id:planted-logs-7e4d93",
               "grafana_ldap_config": 'bind_password = "planted-ldap-5a1f08"'}
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nTEST-CA\n-----END CERTIFICATE-----\n")
    settings = {**planted, "grafana_config_dir": str(tmp_path / "etc"), "grafana_data_dir": str(tmp_path / "lib"),
                "grafana_logs_dir": str(tmp_path / "log"), "grafana_system_user": "root", "grafana_system_group": "root",
                "grafana_tls": False, "grafana_prometheus_url": "https://prom1:9090", "grafana_prometheus_username": "admin",
                "grafana_logs_url": "https://es-1:9200", "grafana_datasource_ca_certificate": str(ca),
                "_grafana_dashboards": [{"folder": "LLM agents", "model": {"uid": "llmagentos-fleet", "title": "Fleet"}}],
                "ansible_python_interpreter": sys.executable}
    output = check_mode_output(tmp_path, "grafana", ("configure.yml", "dashboards.yml"), settings, gather_facts=True)
    assert "Write grafana.ini" in output and "Provision the datasources" in output
    # The logs key also as the datasource sends it, base64-encoded.
    leaked = [name for name, value in planted.items()
              if value.rsplit(":", maxsplit=1)[-1] in output or base64.b64encode(value.encode()).decode() in output]
    assert not leaked, leaked


def test_remediation_prints_no_secret_under_diff_and_vvv(tmp_path):
    """The remediation role's configuration step in check mode with --diff -vvv: the webhook's
    password and Alertmanager's, which its settings file holds, appear nowhere in the output."""
    planted = {"remediation_webhook_password": "planted-webhook-3e9a17", "remediation_alertmanager_password": "planted-am-8c2d40"}
    rulebook = [{"name": "llmagentos remediation", "hosts": "all", "sources": [{"llmagentos.ops.alertmanager": {}}], "rules": []}]
    settings = {**planted, "remediation_config_dir": str(tmp_path / "etc"), "remediation_state_dir": str(tmp_path / "lib"),
                "remediation_system_group": "root", "remediation_tls": False, "remediation_alertmanager_url": "https://am1:9093",
                "_remediation_outputs": {"rulebook": rulebook, "hosts": []}, "ansible_python_interpreter": sys.executable}
    output = check_mode_output(tmp_path, "remediation", ("configure.yml",), settings)
    assert "Write the settings of the remediation playbook" in output and "Write the rulebook compiled from the description" in output
    assert [name for name, value in planted.items() if value in output] == []
