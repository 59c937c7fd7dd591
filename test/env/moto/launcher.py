"""moto server with the two Auto Scaling lifecycle calls it lacks, for our test harness.

moto answers NotImplemented for CompleteLifecycleAction and RecordLifecycleActionHeartbeat, and its
lifecycle hooks never fire. This launcher adds both calls to moto's AutoScaling response class and
two harness endpoints:

  POST /moto-api/nth-harness/lifecycle-actions   {"region", "autoScalingGroupName", "lifecycleHookName",
                                         "instanceId"} -> starts a lifecycle action the way a
                                         scale-in or scale-out would, returns its token
  GET  /moto-api/nth-harness/lifecycle-calls      every Complete/Heartbeat call (and every expiry) recorded,
                                         with its time and result, as JSON

The calls are validated as AWS does: unknown group, hook or instance, or a token with no active
lifecycle action, is a ValidationError. CONTINUE moves a launching instance to InService; CONTINUE
or ABANDON on a terminating instance (and ABANDON on a launching one) terminates it. An action not
heartbeated or completed within the hook's HeartbeatTimeout expires with the hook's DefaultResult.

Usage: python3 launcher.py [--host 127.0.0.1] [--port 0]; prints "MOTO_PORT=<port>" when bound.
"""

import argparse
import json
import socket
import sys
import threading
import time
import uuid

from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.models import autoscaling_backends
from moto.autoscaling.responses import AutoScalingResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import EmptyResult
from moto.moto_api._internal import urls as moto_api_urls
from moto.sqs.models import SQSBackend

_lock = threading.Lock()
# token -> action; cleared with the backend it belongs to on /moto-api/reset (see _state()).
_CALLS_ATTR = "_nth_lifecycle_calls"
_ACTIONS_ATTR = "_nth_lifecycle_actions"


def _state(backend):
    """The harness state lives on moto's backend object, so /moto-api/reset clears it too."""
    if not hasattr(backend, _ACTIONS_ATTR):
        setattr(backend, _ACTIONS_ATTR, {})
        setattr(backend, _CALLS_ATTR, [])
    return getattr(backend, _ACTIONS_ATTR), getattr(backend, _CALLS_ATTR)


def _find_instance_state(backend, group_name, instance_id):
    group = backend.autoscaling_groups.get(group_name)
    if group is None:
        raise ValidationError(f"Group {group_name} not found")
    for state in group.instance_states:
        if state.instance.id == instance_id:
            return group, state
    raise ValidationError(f"Instance {instance_id} is not part of Auto Scaling group {group_name}")


def _find_hook(backend, group_name, hook_name):
    hook = backend.lifecycle_hooks.get(f"{group_name}_{hook_name}")
    if hook is None:
        raise ValidationError(f"No Lifecycle Hook found with name {hook_name} for group {group_name}")
    return hook


def _settle(backend, action, result):
    """Moves the instance on, as Auto Scaling does once a lifecycle action ends."""
    group, state = _find_instance_state(backend, action["autoScalingGroupName"], action["instanceId"])
    if action["transition"] == "autoscaling:EC2_INSTANCE_LAUNCHING" and result == "CONTINUE":
        state.lifecycle_state = "InService"
        return
    state.lifecycle_state = "Terminating:Proceed"
    # Not moto's terminate_instance: it re-sizes the group by counting only InService instances,
    # so with many instances in Terminating:Wait (a storm) it launched replacements for them and
    # then culled others that were still waiting for their own completion. Auto Scaling removes
    # just this instance; the capacity it leaves was already given up when the action started.
    group.instance_states = [s for s in group.instance_states if s.instance.id != action["instanceId"]]
    group.desired_capacity = max(0, (group.desired_capacity or 0) - 1)
    backend.ec2_backend.terminate_instances([action["instanceId"]])


def _expire_due(backend, now):
    actions, calls = _state(backend)
    for token, action in list(actions.items()):
        if action["active"] and now > action["deadline"]:
            action["active"] = False
            calls.append({"call": "Expired", "time": action["deadline"], "token": token,
                          "autoScalingGroupName": action["autoScalingGroupName"],
                          "lifecycleHookName": action["lifecycleHookName"],
                          "instanceId": action["instanceId"], "result": action["defaultResult"],
                          "outcome": "ok"})
            try:
                _settle(backend, action, action["defaultResult"])
            except ValidationError:
                pass


def _active_action(backend, group_name, hook_name, token, instance_id):
    actions, _ = _state(backend)
    _find_hook(backend, group_name, hook_name)
    if not token and not instance_id:
        raise ValidationError("Either LifecycleActionToken or InstanceId must be specified")
    for action_token, action in actions.items():
        if not action["active"]:
            continue
        if action["autoScalingGroupName"] != group_name or action["lifecycleHookName"] != hook_name:
            continue
        if token and action_token != token:
            continue
        if instance_id and action["instanceId"] != instance_id:
            continue
        return action
    if token:
        raise ValidationError(f"No active Lifecycle Action found with token {token}")
    raise ValidationError(f"No active Lifecycle Action found with instance ID {instance_id}")


def _record_and_run(response, call, fn):
    backend = response.autoscaling_backend
    params = {
        "autoScalingGroupName": response._get_param("AutoScalingGroupName"),
        "lifecycleHookName": response._get_param("LifecycleHookName"),
        "token": response._get_param("LifecycleActionToken"),
        "instanceId": response._get_param("InstanceId"),
    }
    entry = {"call": call, "time": time.time(), **params}
    with _lock:
        _, calls = _state(backend)
        try:
            _expire_due(backend, entry["time"])
            action = _active_action(backend, params["autoScalingGroupName"],
                                    params["lifecycleHookName"], params["token"], params["instanceId"])
            fn(backend, action, entry)
            entry["outcome"] = "ok"
        except ValidationError as error:
            entry["outcome"] = f"ValidationError: {error.message}"
            raise
        finally:
            calls.append(entry)
    return EmptyResult()


def complete_lifecycle_action(self):
    result = self._get_param("LifecycleActionResult")

    def complete(backend, action, entry):
        entry["result"] = result
        if result not in ("CONTINUE", "ABANDON"):
            raise ValidationError("LifecycleActionResult must be CONTINUE or ABANDON")
        entry["instanceId"] = action["instanceId"]
        action["active"] = False
        _settle(backend, action, result)

    return _record_and_run(self, "CompleteLifecycleAction", complete)


def record_lifecycle_action_heartbeat(self):
    def heartbeat(_backend, action, entry):
        entry["instanceId"] = action["instanceId"]
        action["deadline"] = time.time() + action["heartbeatTimeout"]

    return _record_and_run(self, "RecordLifecycleActionHeartbeat", heartbeat)


AutoScalingResponse.complete_lifecycle_action = complete_lifecycle_action
AutoScalingResponse.record_lifecycle_action_heartbeat = record_lifecycle_action_heartbeat


def _json(status, body):
    return status, {"Content-Type": "application/json"}, json.dumps(body)


def _backend(region):
    return autoscaling_backends[DEFAULT_ACCOUNT_ID][region or "us-east-1"]


def harness_lifecycle_actions(request, full_url, headers):
    if request.method != "POST":
        return _json(405, {"error": "POST a lifecycle action to start"})
    try:
        # Clients must send Content-Type: application/json; a form body is parsed away by werkzeug.
        body = json.loads(request.get_data() or b"{}")
        region = body.get("region", "us-east-1")
        group_name = body["autoScalingGroupName"]
        hook_name = body["lifecycleHookName"]
        instance_id = body["instanceId"]
    except (ValueError, KeyError) as error:
        return _json(400, {"error": f"bad request: {error}"})
    backend = _backend(region)
    with _lock:
        try:
            hook = _find_hook(backend, group_name, hook_name)
            _, state = _find_instance_state(backend, group_name, instance_id)
        except ValidationError as error:
            return _json(400, {"error": error.message})
        actions, _ = _state(backend)
        token = str(uuid.uuid4())
        launching = hook.lifecycle_transition == "autoscaling:EC2_INSTANCE_LAUNCHING"
        state.lifecycle_state = "Pending:Wait" if launching else "Terminating:Wait"
        actions[token] = {
            "autoScalingGroupName": group_name, "lifecycleHookName": hook_name,
            "instanceId": instance_id, "transition": hook.lifecycle_transition,
            "heartbeatTimeout": hook.heartbeat_timeout, "defaultResult": hook.default_result,
            "deadline": time.time() + hook.heartbeat_timeout, "active": True,
        }
    return _json(200, {"token": token, "transition": hook.lifecycle_transition,
                       "heartbeatTimeout": hook.heartbeat_timeout})


def harness_lifecycle_calls(request, full_url, headers):
    from urllib.parse import parse_qs, urlparse
    region = parse_qs(urlparse(full_url).query).get("region", ["us-east-1"])[0]
    backend = _backend(region)
    with _lock:
        _expire_due(backend, time.time())
        _, calls = _state(backend)
        return _json(200, {"calls": list(calls)})


moto_api_urls.url_paths["{0}/moto-api/nth-harness/lifecycle-actions$"] = harness_lifecycle_actions
moto_api_urls.url_paths["{0}/moto-api/nth-harness/lifecycle-calls$"] = harness_lifecycle_calls


def _retention_ok(self, queue_name, message):
    """moto's own check reads every queue attribute (counting all messages, twice) for each message it
    returns, so one ReceiveMessage on a queue of 1,000 messages took over a second; the retention
    period alone gives the same answer."""
    queue = self.get_queue(queue_name)
    return int(queue.message_retention_period) + message.sent_timestamp / 1000 > time.time()


SQSBackend.is_message_valid_based_on_retention_period = _retention_ok


def _memoize_jsonpath():
    """moto's EventBridge builds a new JSONPath parser (yacc tables included) for each path of the
    input template of every event it delivers: about 110 ms per event, so PutEvents managed nine
    events a second and a benchmark storm of 500 took a minute to send. The parsed paths are never
    modified, so one per expression does."""
    import functools
    import jsonpath_ng.ext
    jsonpath_ng.ext.parse = functools.lru_cache(maxsize=512)(jsonpath_ng.ext.parse)


_memoize_jsonpath()


def free_port(host):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    port = args.port or free_port(args.host)
    print(f"MOTO_PORT={port}", flush=True)
    from moto.server import main
    sys.exit(main(["-H", args.host, "-p", str(port)]))
