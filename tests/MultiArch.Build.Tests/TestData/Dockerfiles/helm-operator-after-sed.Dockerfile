# Build the manager binary
FROM --platform=${BUILDPLATFORM} quay.io/operator-framework/helm-operator:v1.34.1

ENV HOME=/opt/helm
COPY watches.yaml ${HOME}/watches.yaml
COPY helm-charts  ${HOME}/helm-charts
WORKDIR ${HOME}
# The Helm scaffold after `make docker-buildx`'s sed: every platform gets the build machine's image.
# expect: MULTIARCH2001@2
