#!/usr/bin/env bash
# Real .NET base images, made offline from real parts and pushed to the loopback registry under the names users
# know (nothing can be pulled from public registries here), each an index for linux/amd64 and linux/arm64:
#   $registry/dotnet/runtime-deps:10.0  Debian 12's libc6, libgcc-s1, libstdc++6, zlib1g, libssl3, libicu72, tzdata
#                                       and ca-certificates of each architecture (apt-get download, dpkg-deb -x; no
#                                       maintainer script runs), /etc/passwd with the `app` user (APP_UID=1654)
#   $registry/dotnet/runtime:10.0       + /usr/share/dotnet laid out from the Microsoft.NETCore.App.Runtime.linux-<arch>
#                                       pack as the official images have it: host/fxr/<v>/libhostfxr.so and
#                                       shared/Microsoft.NETCore.App/<v>/; the `dotnet` muxer (+ /usr/bin/dotnet) only
#                                       where one is served (see below)
#   $registry/dotnet/aspnet:10.0        + shared/Microsoft.AspNetCore.App/<v>/ from Microsoft.AspNetCore.App.Runtime.linux-<arch>
# The environment is the official images': APP_UID, ASPNETCORE_HTTP_PORTS=8080, DOTNET_RUNNING_IN_CONTAINER=true,
# DOTNET_VERSION / ASPNET_VERSION; no DOTNET_ROOT (the host finds /usr/share/dotnet, its default location).
# The muxer: the runtime packs carry libhostfxr.so and libhostpolicy.so but no `dotnet` program, and no package of
# the feed carries one for linux-arm64 (runtime.linux-arm64.Microsoft.NETCore.DotNetHost is not served). The linux-x64
# one is the installed SDK's own (/usr/share/dotnet/dotnet), taken when its host version is the runtime's. So
# `dotnet app.dll` works on linux/amd64 only; apphosts and self-contained apps start on both.
# The packs come through the ordinary NuGet client (a restore of a throwaway project with PackageDownload, the
# repository's nuget.config), into $MULTIARCH_ENV_STATE/dotnet-packs. No RUN step: nothing executes while the
# images are made. Idempotent: an image the registry already has is not made again.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
registry=${MULTIARCH_TEST_REGISTRY:-127.0.0.1:5000}
version=${MULTIARCH_DOTNET_RUNTIME_VERSION:-10.0.12}
tag=10.0
arches="amd64:x64:linux/amd64 arm64:arm64:linux/arm64"   # debian-arch:rid-arch:platform
deb_packages=(libc6 libgcc-s1 libstdc++6 zlib1g libssl3 libicu72 tzdata ca-certificates)

emit() {
  echo "export MULTIARCH_DOTNET_RUNTIME_DEPS_IMAGE=$registry/dotnet/runtime-deps:$tag"
  echo "export MULTIARCH_DOTNET_RUNTIME_IMAGE=$registry/dotnet/runtime:$tag"
  echo "export MULTIARCH_DOTNET_ASPNET_IMAGE=$registry/dotnet/aspnet:$tag"
  echo "export MULTIARCH_DOTNET_RUNTIME_VERSION=$version"
}

present() { curl -sf -o /dev/null -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$registry/v2/$1/manifests/$tag"; }
if present dotnet/runtime-deps && present dotnet/runtime && present dotnet/aspnet; then emit; exit 0; fi

work=$(mktemp -d)
lists=()
cleanup() {
  for l in "${lists[@]}"; do podman manifest rm "$l" >/dev/null 2>&1 || true; done
  for a in $arches; do a=${a%%:*}; for kind in runtime-deps runtime; do podman rmi -f "localhost/multiarch-dotnet-$$-$kind-$a" >/dev/null 2>&1 || true; done; done
  rm -rf "$work"
}
trap cleanup EXIT

# The shared-framework packs, restored once.
packs=$MULTIARCH_ENV_STATE/dotnet-packs
pack_dir() { echo "$packs/$(echo "$1" | tr '[:upper:]' '[:lower:]')/$version"; }
if [ ! -d "$(pack_dir Microsoft.AspNetCore.App.Runtime.linux-arm64)/runtimes" ] || [ ! -d "$(pack_dir Microsoft.NETCore.App.Runtime.linux-x64)/runtimes" ] \
  || [ ! -d "$(pack_dir Microsoft.NETCore.App.Runtime.linux-arm64)/runtimes" ] || [ ! -d "$(pack_dir Microsoft.AspNetCore.App.Runtime.linux-x64)/runtimes" ]; then
  mkdir -p "$work/restore"
  cp "$here/../../nuget.config" "$work/restore/"
  {
    echo '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup><ItemGroup>'
    for id in Microsoft.NETCore.App.Runtime Microsoft.AspNetCore.App.Runtime; do
      for rid in x64 arm64; do echo "<PackageDownload Include=\"$id.linux-$rid\" Version=\"[$version]\" />"; done
    done
    echo '</ItemGroup></Project>'
  } > "$work/restore/packs.csproj"
  log "restoring the .NET $version runtime packs for linux-x64 and linux-arm64"
  dotnet restore "$work/restore/packs.csproj" --packages "$packs" -nologo -v:q >&2
fi

# Debian 12's packages of each architecture.
debs=$MULTIARCH_ENV_STATE/dotnet-debs
for pair in $arches; do
  a=${pair%%:*}
  mkdir -p "$debs/$a"
  for p in "${deb_packages[@]}"; do
    ls "$debs/$a/${p}"_*.deb >/dev/null 2>&1 && continue
    # tzdata and ca-certificates are Architecture: all (no :arch candidate).
    spec="$p:$a"; [ "$p" = tzdata ] || [ "$p" = ca-certificates ] && spec=$p
    (cd "$debs/$a" && apt-get download -q "$spec" >&2)
  done
done

# The x64 muxer: the installed SDK's, when its host is the runtime's version.
muxer_x64=
sdk_dotnet=$(readlink -f "$(command -v dotnet)" 2>/dev/null || true)
if [ -n "$sdk_dotnet" ] && [ -d "$(dirname "$sdk_dotnet")/host/fxr/$version" ] && [ "$(dpkg --print-architecture)" = amd64 ]; then
  muxer_x64=$sdk_dotnet
else
  log "no linux-x64 dotnet muxer of host version $version found (the installed SDK's host/fxr differs): dotnet/runtime has no /usr/bin/dotnet for linux/amd64"
fi

rd_list="localhost/multiarch-dotnet-$$-runtime-deps"; rt_list="localhost/multiarch-dotnet-$$-runtime"; asp_list="localhost/multiarch-dotnet-$$-aspnet"
lists=("$rd_list" "$rt_list" "$asp_list")
for pair in $arches; do
  a=${pair%%:*}; rest=${pair#*:}; rid=${rest%%:*}; platform=${rest#*:}
  dir=$work/$a
  # runtime-deps: the packages' files, the CA bundle update-ca-certificates would make, the users.
  mkdir -p "$dir/rd/rootfs"
  for deb in "$debs/$a"/*.deb; do dpkg-deb -x "$deb" "$dir/rd/rootfs"; done
  root=$dir/rd/rootfs
  rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/lintian" "$root/usr/share/locale"
  mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$root/app" "$root/home/app"
  find "$root/usr/share/ca-certificates" -name '*.crt' | sort | xargs cat > "$root/etc/ssl/certs/ca-certificates.crt"
  chmod 1777 "$root/tmp"
  printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:1654:1654::/home/app:/sbin/nologin\n' > "$root/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' > "$root/etc/group"
  printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n' > "$root/etc/os-release"
  printf 'FROM scratch\nCOPY rootfs/ /\nENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n' > "$dir/rd/Dockerfile"
  podman build -q --timestamp 0 --platform "$platform" --manifest "$rd_list" -t "localhost/multiarch-dotnet-$$-runtime-deps-$a" "$dir/rd" >&2

  # runtime: /usr/share/dotnet as the official images lay it out.
  core=$(pack_dir "Microsoft.NETCore.App.Runtime.linux-$rid")/runtimes/linux-$rid
  dn=$dir/rt/dotnet
  mkdir -p "$dn/host/fxr/$version" "$dn/shared/Microsoft.NETCore.App/$version" "$dir/rt/usrbin"
  cp -a "$core/lib/net10.0/." "$core/native/." "$dn/shared/Microsoft.NETCore.App/$version/"
  mv "$dn/shared/Microsoft.NETCore.App/$version/libhostfxr.so" "$dn/host/fxr/$version/"
  cp "$(pack_dir "Microsoft.NETCore.App.Runtime.linux-$rid")/LICENSE.TXT" "$dn/LICENSE.txt"
  cp "$(pack_dir "Microsoft.NETCore.App.Runtime.linux-$rid")/THIRD-PARTY-NOTICES.TXT" "$dn/ThirdPartyNotices.txt"
  muxer_copy=
  if [ "$rid" = x64 ] && [ -n "$muxer_x64" ]; then
    cp "$muxer_x64" "$dn/dotnet"
    ln -s /usr/share/dotnet/dotnet "$dir/rt/usrbin/dotnet"
    muxer_copy='COPY usrbin/ /usr/bin/'
  fi
  printf 'FROM localhost/multiarch-dotnet-%s-runtime-deps-%s\nENV DOTNET_VERSION=%s\nCOPY dotnet/ /usr/share/dotnet/\n%s\n' "$$" "$a" "$version" "$muxer_copy" > "$dir/rt/Dockerfile"
  podman build -q --pull=never --timestamp 0 --platform "$platform" --manifest "$rt_list" -t "localhost/multiarch-dotnet-$$-runtime-$a" "$dir/rt" >&2

  # aspnet: + the ASP.NET Core shared framework.
  mkdir -p "$dir/asp/fx"
  cp -a "$(pack_dir "Microsoft.AspNetCore.App.Runtime.linux-$rid")/runtimes/linux-$rid/lib/net10.0/." "$dir/asp/fx/"
  printf 'FROM localhost/multiarch-dotnet-%s-runtime-%s\nENV ASPNET_VERSION=%s\nCOPY fx/ /usr/share/dotnet/shared/Microsoft.AspNetCore.App/%s/\n' "$$" "$a" "$version" "$version" > "$dir/asp/Dockerfile"
  podman build -q --pull=never --timestamp 0 --platform "$platform" --manifest "$asp_list" "$dir/asp" >&2
  rm -rf "$dir"
done
podman manifest push -q --all --tls-verify=false "$rd_list" "docker://$registry/dotnet/runtime-deps:$tag" >&2
podman manifest push -q --all --tls-verify=false "$rt_list" "docker://$registry/dotnet/runtime:$tag" >&2
podman manifest push -q --all --tls-verify=false "$asp_list" "docker://$registry/dotnet/aspnet:$tag" >&2
log "base images $registry/dotnet/{runtime-deps,runtime,aspnet}:$tag (.NET $version; linux/amd64, linux/arm64)"
emit
