using MultiArch.Build.Building;
using MultiArch.Build.Platforms;

namespace MultiArch.Build.Tests.Unit.Building;

[TestClass]
public sealed class CacheScopesTests
{
    [TestMethod]
    [DataRow("type=registry,ref=ghcr.io/acme/op:cache,mode=max", "type=registry,ref=ghcr.io/acme/op:cache-linux-arm-v7,mode=max")]
    [DataRow("type=registry,ref=127.0.0.1:5000/acme/op", "type=registry,ref=127.0.0.1:5000/acme/op:latest-linux-arm-v7")]
    [DataRow("ghcr.io/acme/op:cache", "ghcr.io/acme/op:cache-linux-arm-v7")]
    [DataRow("ref=ghcr.io/acme/op:cache", "ref=ghcr.io/acme/op:cache-linux-arm-v7")]
    [DataRow("type=registry,ref=ghcr.io/acme/op@sha256:0000000000000000000000000000000000000000000000000000000000000000", "type=registry,ref=ghcr.io/acme/op@sha256:0000000000000000000000000000000000000000000000000000000000000000")]
    [DataRow("type=gha,scope=operator,mode=max", "type=gha,scope=operator-linux-arm-v7,mode=max")]
    [DataRow("type=gha", "type=gha,scope=buildkit-linux-arm-v7")]
    [DataRow("type=s3,region=eu-west-1,bucket=b,name=op", "type=s3,region=eu-west-1,bucket=b,name=op-linux-arm-v7")]
    [DataRow("type=azblob,account_url=https://a.blob.core.windows.net", "type=azblob,account_url=https://a.blob.core.windows.net,name=buildkit-linux-arm-v7")]
    [DataRow("type=local,dest=/tmp/cache/,mode=max", "type=local,dest=/tmp/cache/linux-arm-v7,mode=max")]
    [DataRow("type=local,src=/tmp/cache", "type=local,src=/tmp/cache/linux-arm-v7")]
    [DataRow("type=inline", "type=inline")]
    public void Each_exporter_gets_its_own_name_per_platform(string spec, string expected)
        => Assert.AreEqual(expected, CacheScopes.Scoped(spec, CacheScopes.Suffix(OciPlatform.Parse("linux/arm/v7"))));

    [TestMethod]
    public void Every_platform_built_gets_one_entry()
    {
        var platforms = new[] { OciPlatform.Parse("linux/amd64"), OciPlatform.Parse("linux/arm64") };
        CollectionAssert.AreEqual(
            new[] { "type=gha,scope=op-linux-amd64", "type=gha,scope=op-linux-arm64", "type=inline" },
            CacheScopes.Expand(["type=gha,scope=op", " ", "type=inline"], platforms, perPlatform: true).ToArray());
    }

    [TestMethod]
    public void The_platform_token_places_the_suffix_and_works_even_when_scoping_is_off()
    {
        var platforms = new[] { OciPlatform.Parse("linux/arm64") };
        CollectionAssert.AreEqual(
            new[] { "type=registry,ref=ghcr.io/acme/cache:linux-arm64-main", "type=gha,scope=shared" },
            CacheScopes.Expand(["type=registry,ref=ghcr.io/acme/cache:{platform}-main", "type=gha,scope=shared"], platforms, perPlatform: false).ToArray());
    }
}
