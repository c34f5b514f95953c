# escape=`
# syntax=docker/dockerfile:1

FROM --platform=$BUILDPLATFORM golang:1.22 AS build
ARG TARGETOS `
    TARGETARCH
WORKDIR C:\src
COPY . .
# a comment between continued lines is dropped:
RUN GOOS=$TARGETOS `
# (really)
    GOARCH=$TARGETARCH `

    go build -o /out/tool.exe .

FROM mcr.microsoft.com/windows/nanoserver:ltsc2022
COPY --from=build ["/out/tool.exe", "C:/tool.exe"]
CMD ["C:\\tool.exe"]
# platforms: windows/amd64,windows/arm64
# expect: none
