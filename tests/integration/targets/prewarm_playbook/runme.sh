#!/usr/bin/env bash
# The companion playbook (the prewarm role's three plays) against the stand's emulated Harbor: check mode, a warm
# that waits for Harbor's commit, and the same run again, which finds everything cached.
set -euxo pipefail
# ansible-test's inventory has only testhost: the plays run on the implicit localhost, with ansible-test's Python.
export ANSIBLE_ROLES_PATH=..  # setup_registry_stand

stand() { ansible-playbook -i "${INVENTORY_PATH}" stand.yml -e "output_dir=${OUTPUT_DIR}" -e "stand_action=$1"; }
stand start
trap 'stand stop' EXIT

warm() {
    ansible-playbook -i "${INVENTORY_PATH}" prewarm.harbor.prewarm -e "@${OUTPUT_DIR}/prewarm-vars.yml" "$@"
}

warm --check | tee "${OUTPUT_DIR}/check.out"
grep -F '2 images: 0 warmed, 0 cached, 2 would warm, 0 unmatched, 0 failed' "${OUTPUT_DIR}/check.out"

warm -e prewarm_wait_for_commit=60 -e "prewarm_report=${OUTPUT_DIR}/first.json" | tee "${OUTPUT_DIR}/first.out"
grep -F '2 images: 2 warmed, 0 cached' "${OUTPUT_DIR}/first.out"

warm -e "prewarm_report=${OUTPUT_DIR}/second.json" | tee "${OUTPUT_DIR}/second.out"
grep -F '2 images: 0 warmed, 2 cached' "${OUTPUT_DIR}/second.out"
ansible-playbook -i "${INVENTORY_PATH}" judge.yml -e "output_dir=${OUTPUT_DIR}"
