#!/bin/sh
# Stands in for the helm-operator binary: reports where it runs and what it would watch.
echo "operator on $(uname -m), watching:"
cat "$HOME/watches.yaml"
