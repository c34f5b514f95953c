# Dockerfile for VirtRigaud kubectl utility image
# This image is used by Helm hooks to apply CRDs during installation/upgrade
FROM alpine:3.20

# Install kubectl from official Kubernetes release
# Using v1.32.0 which is built with Go 1.23.12+ (fixes CVE-2024-34156, CVE-2025-47907)
ARG KUBECTL_VERSION=1.32.0
RUN apk add --no-cache curl ca-certificates bash && \
    curl --retry 5 --retry-delay 3 --retry-connrefused -f -L -o kubectl "https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/amd64/kubectl" && \
    curl --retry 5 --retry-delay 3 --retry-connrefused -f -L -o kubectl.sha256 "https://dl.k8s.io/release/v${KUBECTL_VERSION}/bin/linux/amd64/kubectl.sha256" && \
    echo "$(cat kubectl.sha256)  kubectl" | sha256sum -c && \
    install -o root -g root -m 0755 kubectl /usr/local/bin/kubectl && \
    rm kubectl kubectl.sha256 && \
    apk del curl && \
    rm -rf /var/cache/apk/*

# Create non-root user for running kubectl
RUN addgroup -g 65532 nonroot && \
    adduser -u 65532 -G nonroot -s /bin/sh -D nonroot

USER 65532:65532

# Verify installation
RUN kubectl version --client

ENTRYPOINT ["/usr/local/bin/kubectl"]
CMD ["version", "--client"]


# source: https://github.com/projectbeskar/virtrigaud/blob/c7430843055233cba514e66375ff4e981f7b2232/build/Dockerfile.kubectl (Apache-2.0 license)
# Before 8870e428acb753feb1d5fc34fa1ed18f95d8d791 'fix(build): make kubectl image arch-aware (TARGETARCH) for arm64': kubectl downloaded from .../linux/amd64/kubectl in the target-platform image: the arm64 image held an amd64 kubectl (#170)
# expect: MULTIARCH2007@8 MULTIARCH2018@8
