ARG BUILDPLATFORM
FROM --platform=$BUILDPLATFORM alpine:3.20

ARG KUBE_VERSION
ARG HELM_VERSION
ARG TARGETOS
ARG TARGETARCH
ARG YQ_VERSION

RUN apk -U upgrade \
    && apk add --no-cache ca-certificates bash git openssh curl gettext jq \
    && wget -q https://dl.k8s.io/release/v${KUBE_VERSION}/bin/${TARGETOS}/${TARGETARCH}/kubectl -O /usr/local/bin/kubectl \
    && wget -q https://get.helm.sh/helm-v${HELM_VERSION}-${TARGETOS}-${TARGETARCH}.tar.gz -O - | tar -xzO ${TARGETOS}-${TARGETARCH}/helm > /usr/local/bin/helm \
    && wget -q https://github.com/mikefarah/yq/releases/download/v${YQ_VERSION}/yq_${TARGETOS}_${TARGETARCH} -O /usr/local/bin/yq \
    && chmod +x /usr/local/bin/helm /usr/local/bin/kubectl /usr/local/bin/yq \
    && mkdir /config \
    && chmod g+rwx /config /root \
    && kubectl version --client \
    && helm version

WORKDIR /config

CMD bash
# source: https://github.com/dtzar/helm-kubectl/blob/1c7584c09f955a23af9fbf97d8036bf2e9b1abfe/Dockerfile (MIT license)
# Before 087c0a89c3471559b335b1070a12cf70c0f3881e 'Fix multi-platform build (#175)': the only (image) stage pinned to $BUILDPLATFORM: the arm images of 3.16.4 held x86-64 helm and kubectl (#175, issue #174)
# expect: MULTIARCH2001@2
