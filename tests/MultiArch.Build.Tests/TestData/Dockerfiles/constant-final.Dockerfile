FROM --platform=linux/amd64 alpine:3.19
RUN echo hi
# platforms: linux/amd64,linux/arm64
# expect: MULTIARCH2002@1
