FROM mcr.microsoft.com/dotnet/core/sdk:3.1 as builder

WORKDIR /Worker
COPY src/Worker/Worker.csproj .
RUN dotnet restore

COPY src/Worker/ .
RUN dotnet publish -c Release -o /out Worker.csproj

# app image
FROM mcr.microsoft.com/dotnet/core/runtime:3.1

WORKDIR /app
ENTRYPOINT ["dotnet", "Worker.dll"]

COPY --from=builder /out .

# source: https://github.com/dockersamples/example-voting-app/blob/eaa19a71613b4bb8d8872d8129de479f9bedac55/worker/Dockerfile (Apache-2.0)
# Before 7e7445a6010659f40ce150c145b695fc77081a91 (#272, "dotnet doesn't support QEMU for building or running"): dotnet restore/publish in a target-platform stage.
# expect: MULTIARCH2007@5 MULTIARCH2008@5 MULTIARCH2008@8
