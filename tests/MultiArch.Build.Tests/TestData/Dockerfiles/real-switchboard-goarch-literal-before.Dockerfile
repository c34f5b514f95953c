FROM golang:1.18-alpine as builder

WORKDIR /workspace
COPY go.* .
RUN go mod download

COPY cmd/ cmd/
COPY internal/ internal/
RUN CGO_ENABLED=0 GOOS=linux GOARCH=amd64 \
    go build -a -o manager cmd/main.go

#--------------------------------------------------------------------------------------------------

FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532

ENTRYPOINT ["/manager"]

# source: https://github.com/borchero/switchboard/blob/464b219aac5efedf71485c265831140c462b8c99/Dockerfile (MIT license)
# Before bf77fad3e760ba919aebbcded57f818d2868471a 'Fix platforms in dockerfile (#24)': GOARCH=amd64 in a target-platform builder.
# expect: MULTIARCH2007@5 MULTIARCH2006@9
