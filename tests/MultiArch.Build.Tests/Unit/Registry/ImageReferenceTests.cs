using MultiArch.Build.Oci;
using MultiArch.Build.Registry;

namespace MultiArch.Build.Tests.Unit.Registry;

[TestClass]
public sealed class ImageReferenceTests
{
    [TestMethod]
    [DataRow("alpine", "docker.io", "library/alpine", null, "latest")]
    [DataRow("alpine:3.19", "docker.io", "library/alpine", "3.19", "3.19")]
    [DataRow("quay.io/operator-framework/helm-operator:v1.34.1", "quay.io", "operator-framework/helm-operator", "v1.34.1", "v1.34.1")]
    [DataRow("127.0.0.1:5000/team/app", "127.0.0.1:5000", "team/app", null, "latest")]
    [DataRow("localhost/app:dev", "localhost", "app", "dev", "dev")]
    [DataRow("ghcr.io/o/r@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ghcr.io", "o/r", null, "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [DataRow("r.example:443/a/b:t@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "r.example:443", "a/b", "t", "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")]
    public void Parse(string text, string registry, string repository, string? tag, string reference)
    {
        var parsed = ImageReference.Parse(text);
        Assert.AreEqual(registry, parsed.Registry);
        Assert.AreEqual(repository, parsed.Repository);
        Assert.AreEqual(tag, parsed.Tag);
        Assert.AreEqual(reference, parsed.Reference);
    }

    [TestMethod]
    [DataRow("")]
    [DataRow("Upper/Case")]
    [DataRow("repo:bad tag")]
    [DataRow("repo@sha256:short")]
    [DataRow("repo@md5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [DataRow("a//b")]
    [DataRow("-leading/dash")]
    public void Invalid_references_are_coded_errors(string text)
    {
        var ex = Assert.ThrowsExactly<ImageReferenceException>(() => ImageReference.Parse(text));
        Assert.AreEqual("MULTIARCH4012", ex.Code);
    }

    [TestMethod]
    public void Bearer_challenge_parameters()
    {
        var p = RegistryAuthHandler.ParseChallenge("realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\"");
        Assert.AreEqual("https://auth.example/token", p["realm"]);
        Assert.AreEqual("registry.example", p["service"]);
        Assert.AreEqual("repository:a/b:pull,push", p["scope"]);
        Assert.AreEqual(0, RegistryAuthHandler.ParseChallenge("").Count);
        Assert.AreEqual("x", RegistryAuthHandler.ParseChallenge("realm=x, broken").GetValueOrDefault("realm"));
    }

    [TestMethod]
    public void Credentials_never_print_their_secret()
    {
        Assert.IsFalse(new RegistryCredential("me", "s3cr3t-value").ToString().Contains("s3cr3t", StringComparison.Ordinal));
    }
}
