"""AWX delivery: the surveys are valid AWX survey specs whose variables the playbooks read, the
job templates playbook creates its objects through the awx.awx modules (against a stand-in of
AWX's API) and changes nothing on a second run, `ansible-builder create` makes the execution
environment's build context, and ansible-runner runs the collection's playbooks in AWX's project
layout (project, inventory, extra vars, artifacts) - here the silence job against a real
Alertmanager."""

import json
import os
import subprocess
import sys
from pathlib import Path

import ansible_runner
import pytest
import yaml
from awx_stand_in import TOKEN, Controller, serve
from loopback import http_get

ROOT = Path(__file__).resolve().parents[2]
SURVEYS = sorted((ROOT / "awx" / "surveys").glob("*.json"))
TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}


def job_templates():
    return yaml.safe_load((ROOT / "awx" / "job_templates.yml").read_text())[0]["vars"]["job_templates"]


def playbook_text(playbook):
    """The playbook's text with the playbooks it imports and the argument specs of the roles its
    plays run: where a survey variable must be read."""
    text = (ROOT / playbook).read_text()
    for play in yaml.safe_load(text):
        if "ansible.builtin.import_playbook" in play:
            text += playbook_text(Path(playbook).parent / play["ansible.builtin.import_playbook"])
        for role in play.get("roles", []):
            name = (role["role"] if isinstance(role, dict) else role).split(".")[-1]
            text += (ROOT / "roles" / name / "meta" / "argument_specs.yml").read_text()
    return text


@pytest.mark.parametrize("template", [t for t in job_templates() if "survey" in t], ids=lambda template: template["survey"])
def test_each_job_template_has_a_valid_survey_its_playbook_reads(template):
    survey = json.loads((ROOT / "awx" / "surveys" / f"{template['survey']}.json").read_text())
    assert survey["name"] and survey["description"] and survey["spec"]
    text = playbook_text(template["playbook"])
    for question in survey["spec"]:
        assert question["type"] in TYPES and question["question_name"] and isinstance(question["required"], bool)
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"]
        assert question["variable"] in text, f"{template['playbook']} never reads {question['variable']}"
    assert len(SURVEYS) == len([t for t in job_templates() if "survey" in t])


@pytest.fixture(name="controller")
def fixture_controller():
    """An AWX with what the playbook expects to find: the organization and the two credentials."""
    controller = Controller()
    controller.add("organizations", name="Default")
    for name in ("llmagentos hosts", "llmagentos vault"):
        controller.add("credentials", name=name)
    server, controller.url = serve(controller)
    yield controller
    server.shutdown()


def apply_job_templates(controller):
    """The JSON report of awx/job_templates.yml run against `controller`, and its exit code."""
    result = subprocess.run(["ansible-playbook", str(ROOT / "awx" / "job_templates.yml"),
                             "-e", "llmagentos_awx_ee_image=registry.invalid/llmagentos-ops-ee:0.1.0"],
                            capture_output=True, text=True, check=False,
                            env=dict(os.environ, CONTROLLER_HOST=controller.url, CONTROLLER_OAUTH_TOKEN=TOKEN,
                                     ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_LOCALHOST_WARNING="false"))
    return json.loads(result.stdout), result.returncode


def test_the_job_templates_playbook_creates_the_templates_and_then_changes_nothing(controller):
    report, code = apply_job_templates(controller)
    assert code == 0, report["stats"]
    ee = controller.named("execution_environments", "llmagentos-ops-ee")
    project = controller.named("projects", "llmagentos.ops")
    inventory = controller.named("inventories", "llmagentos")
    credentials = sorted(controller.named("credentials", name)["id"] for name in ("llmagentos hosts", "llmagentos vault"))
    assert ee["image"] == "registry.invalid/llmagentos-ops-ee:0.1.0"
    assert project["scm_url"] == "https://github.com/llmagentos/ops.git" and project["default_environment"] == ee["id"]
    source = controller.named("inventory_sources", "llmagentos from the project")
    assert (source["source_project"], source["source_path"], source["inventory"]) == (
        project["id"], "inventories/example/hosts.yml", inventory["id"])
    templates = {t["name"]: t for t in controller.objects["job_templates"].values()}
    assert sorted(templates) == sorted(t["name"] for t in job_templates())
    for wanted in job_templates():
        template = templates[wanted["name"]]
        assert (template["playbook"], template["project"], template["inventory"], template["execution_environment"]) == (
            wanted["playbook"], project["id"], inventory["id"], ee["id"])
        assert sorted(controller.credentials[template["id"]]) == credentials
        assert template["ask_tags_on_launch"] == (wanted["playbook"] == "playbooks/site.yml")
        assert template.get("ask_variables_on_launch", False) == (wanted["playbook"] == "playbooks/remediate.yml")
        assert template["survey_enabled"] == ("survey" in wanted)
        expected = json.loads((ROOT / "awx" / "surveys" / f"{wanted['survey']}.json").read_text()) if "survey" in wanted else {}
        assert controller.surveys.get(template["id"], {}) == expected

    writes = len(controller.writes)
    report, code = apply_job_templates(controller)
    assert code == 0 and report["stats"]["localhost"]["changed"] == 0
    assert controller.writes[writes:] == []


def test_a_missing_credential_is_named_before_anything_is_created(controller):
    del controller.objects["credentials"][controller.named("credentials", "llmagentos vault")["id"]]
    report, code = apply_job_templates(controller)
    assert code != 0
    failed = [item["msg"] for play in report["plays"] for task in play["tasks"] for result in task["hosts"].values()
              for item in result.get("results", [result]) if item.get("failed")]
    assert failed == ["AWX has no credential named 'llmagentos vault' (llmagentos_awx_vault_credential): create it, "
                      "or set llmagentos_awx_vault_credential to the name of yours."]
    assert controller.writes == []


def test_ansible_builder_makes_the_execution_environment_context(tmp_path):
    subprocess.run(["ansible-builder", "create", "-f", str(ROOT / "execution-environment.yml"), "-c", str(tmp_path / "context"),
                    "--output-filename", "Containerfile"],
                   check=True, capture_output=True, text=True)
    containerfile = (tmp_path / "context" / "Containerfile").read_text()
    build = tmp_path / "context" / "_build"
    assert "quay.io/centos/centos:stream9" in containerfile and "ansible-core==2.19.14" in containerfile
    assert yaml.safe_load((build / "requirements.yml").read_text()) == yaml.safe_load((ROOT / "requirements.yml").read_text())
    assert "cryptography==" in (build / "requirements.txt").read_text()
    assert "gnupg" in (build / "bindep.txt").read_text()


def run_job(tmp_path, extravars):
    """One job as AWX launches it: the project checkout, an inventory and extra vars in a private data dir."""
    private = tmp_path / "job"
    (private / "inventory").mkdir(parents=True)
    (private / "inventory" / "hosts").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (private / "project").symlink_to(ROOT)
    return ansible_runner.run(private_data_dir=str(private), playbook="playbooks/silence_agent.yml", extravars=extravars,
                              envvars={"ANSIBLE_COLLECTIONS_PATH": os.environ["ANSIBLE_COLLECTIONS_PATH"]}, quiet=True)


def test_the_silence_job_runs_through_ansible_runner_in_awx_layout(tmp_path, alertmanager):
    job = run_job(tmp_path, {"agent": "support-bot", "duration": "2h", "comment": "GPU swap", "alertmanager_url": alertmanager,
                             "awx_user_name": "oncall", "llmagentos_web_auth": False})
    assert job.status == "successful" and job.rc == 0
    assert (Path(job.config.artifact_dir) / "stdout").exists()
    assert any(event.get("event_data", {}).get("task") == "Silence or un-silence the agent" for event in job.events)
    active = [silence for silence in json.loads(http_get(f"{alertmanager}/api/v2/silences")[1])
              if silence["status"]["state"] == "active" and silence["comment"] == "GPU swap"]
    assert len(active) == 1 and active[0]["createdBy"] == "oncall"
    assert active[0]["matchers"] == [{"name": "agent", "value": "support-bot", "isRegex": False, "isEqual": True}]

    lifted = run_job(tmp_path / "again", {"agent": "support-bot", "state": "absent", "alertmanager_url": alertmanager,
                                          "awx_user_name": "oncall", "llmagentos_web_auth": False})
    assert lifted.status == "successful"
    assert not [silence for silence in json.loads(http_get(f"{alertmanager}/api/v2/silences")[1])
                if silence["status"]["state"] == "active" and silence["comment"] == "GPU swap"]


def test_a_job_without_an_agent_fails_saying_what_to_give(tmp_path, alertmanager):
    job = run_job(tmp_path, {"alertmanager_url": alertmanager})
    assert job.status == "failed"
    assert "Give agent (an agent name of llmagentos_agents" in job.stdout.read()
