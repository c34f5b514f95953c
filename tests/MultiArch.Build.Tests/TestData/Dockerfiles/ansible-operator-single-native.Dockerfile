FROM --platform=${BUILDPLATFORM} quay.io/operator-framework/ansible-operator:v1.34.1
COPY watches.yaml ${HOME}/watches.yaml
# Building only the native platform: $BUILDPLATFORM is $TARGETPLATFORM, so the pin is harmless.
# platforms: linux/amd64
# expect: none
