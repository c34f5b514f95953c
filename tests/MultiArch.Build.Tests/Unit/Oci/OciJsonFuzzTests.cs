using System.Text;
using MultiArch.Build.Oci;

namespace MultiArch.Build.Tests.Unit.Oci;

[TestClass]
public sealed class OciJsonFuzzTests
{
    private const string Index = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":123,"platform":{"architecture":"arm","os":"linux","variant":"v7"}},
          {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","size":9,"platform":{"architecture":"unknown","os":"unknown"},"annotations":{"vnd.docker.reference.type":"attestation-manifest","vnd.docker.reference.digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}]}
        """;

    [TestMethod]
    public void Index_reads_platforms_and_attestations()
    {
        var index = OciJson.ReadIndex(Encoding.UTF8.GetBytes(Index), null);
        Assert.AreEqual(2, index.Manifests.Count);
        Assert.AreEqual("linux/arm/v7", index.Manifests[0].Platform!.Normalized!.ToString());
        Assert.IsFalse(index.Manifests[0].IsAttestation);
        Assert.IsTrue(index.Manifests[1].IsAttestation);
    }

    /// <summary>Thousands of mutated documents: the readers either parse or throw ManifestFormatException, nothing else.</summary>
    [TestMethod]
    public void Mutated_documents_only_ever_fail_with_format_exceptions()
    {
        var random = new Random(4242);
        var fragments = new[] { "{", "}", "[", "]", "\"", ",", ":", "null", "-1", "1e309", "\"sha256:\"", "\\u0000", "true", "\"size\":", "\"platform\":[]" };
        var source = Index.ToCharArray();
        for (var i = 0; i < 5000; i++)
        {
            var chars = source.ToList();
            for (var m = random.Next(1, 8); m > 0; m--)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0:
                        chars.RemoveRange(at, Math.Min(random.Next(1, 20), chars.Count - at));
                        break;
                    case 1:
                        chars.InsertRange(at, fragments[random.Next(fragments.Length)]);
                        break;
                    default:
                        chars[at] = (char)random.Next(32, 127);
                        break;
                }
            }

            var bytes = Encoding.UTF8.GetBytes(new string(chars.ToArray()));
            foreach (var read in new Action[]
            {
                () => OciJson.ReadIndex(bytes, null),
                () => OciJson.ReadManifest(bytes, null),
                () => OciJson.ReadConfig(bytes),
                () => OciJson.PeekMediaType(bytes),
            })
            {
                try
                {
                    read();
                }
                catch (ManifestFormatException)
                {
                }
                catch (Exception ex)
                {
                    Assert.Fail($"iteration {i}: {ex.GetType().Name}: {ex.Message}\n{Encoding.UTF8.GetString(bytes)}");
                }
            }
        }
    }
}
