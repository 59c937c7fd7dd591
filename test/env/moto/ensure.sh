#!/usr/bin/env bash
# Makes sure moto's server (with everything its SQS, EC2, Auto Scaling and EventBridge backends
# import) is installed for the python3 on PATH; installs it from PyPI where it is missing.
set -euo pipefail
if python3 -c 'import moto.server, flask, flask_cors, boto3, moto.events, moto.autoscaling, moto.sqs, moto.ec2' 2>/dev/null; then
  exit 0
fi
echo "[moto] installing moto[server] with pip" >&2
python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=5.1,<6' >&2
