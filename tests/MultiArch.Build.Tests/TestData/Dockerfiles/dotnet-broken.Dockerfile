FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /source
COPY . .
RUN dotnet restore
RUN dotnet publish -c Release -r linux-x64 -o /app
RUN dotnet publish -c Release --no-restore -o /app2
RUN dotnet publish tools/Portable.csproj -p:UseAppHost=false -o /portable

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS tests
COPY . .
RUN dotnet test

FROM mcr.microsoft.com/dotnet/aspnet:8.0
COPY --from=build /app /app2 /portable /app/
RUN dotnet tool install --global dotnet-counters
ENTRYPOINT ["dotnet", "/app/app.dll"]
# platforms: linux/amd64,linux/arm64
# expect: MULTIARCH2003@4 MULTIARCH2006@5 MULTIARCH2003@6 MULTIARCH2007@15 MULTIARCH2008@15
