##
## Build
##
FROM golang:1.22.1-bookworm as build

LABEL org.opencontainers.image.source="https://github.com/cam-inc/MxTransporter"

WORKDIR /go/src

COPY . ./

RUN go mod download

ARG CGO_ENABLED=0
ARG GOOS=linux
ARG GOARCH=amd64

RUN go build -o /go/bin/main -ldflags '-s -w' ./cmd/main.go
RUN go install ./cmd/main.go

RUN go build -o /go/bin/health -ldflags '-s -w' ./cmd/health.go
RUN go install ./cmd/health.go

##
## Deploy
##
FROM alpine:3.19.1

WORKDIR /go/src

COPY --from=build /go/bin/main /go/bin/main
COPY --from=build /go/bin/health /go/bin/health
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo

ENTRYPOINT ["/go/bin/main"]

# source: https://github.com/cam-inc/MxTransporter/blob/98554b2fa2e33676e1118aac682da934f8802fc3/Dockerfile (MIT license)
# Before 55650caa3be5dee39365b926e72b358d816c7fef 'multi architecture image': ARG GOARCH=amd64 read from the environment by go build: the arm64 image of the linux/amd64,linux/arm64 release held an amd64 binary (#51)
# expect: MULTIARCH2007@12 MULTIARCH2006@18 MULTIARCH2006@19 MULTIARCH2006@21 MULTIARCH2006@22
