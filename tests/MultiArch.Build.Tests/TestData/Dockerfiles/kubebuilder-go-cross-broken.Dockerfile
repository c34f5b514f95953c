FROM --platform=${BUILDPLATFORM} golang:1.22 AS builder
ARG TARGETOS
WORKDIR /workspace
COPY . .
RUN go mod download
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} go build -a -o manager cmd/main.go
RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o helper cmd/helper/main.go
RUN GOARCH=${TARGETARCH} go build -o third cmd/third/main.go

FROM gcr.io/distroless/static:nonroot
COPY --from=builder /workspace/manager /workspace/helper /workspace/third /
ENTRYPOINT ["/manager"]
# expect: MULTIARCH2003@6 MULTIARCH2006@7 MULTIARCH2004@8
