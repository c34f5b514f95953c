using System.Reflection;
using MultiArch.Build.Tests.Infrastructure;

namespace MultiArch.Build.Tests.Unit.TestInfrastructure;

/// <summary>A CI run cannot pass by skipping: the rules of <see cref="RequiresAttribute"/> under CI=true.</summary>
[TestClass]
[DoNotParallelize]
public sealed class RequirementsTests
{
    [TestMethod]
    public void EveryClassThatRequiresServicesFailsInsteadOfSkippingUnderCi()
    {
        var offenders = typeof(RequirementsTests).Assembly.GetTypes()
            .Where(t => t.GetCustomAttribute<RequiresAttribute>() is not null
                || t.GetMethods().Any(m => m.GetCustomAttribute<RequiresAttribute>() is not null))
            .Where(t => t.GetCustomAttribute<ServiceTestClassAttribute>() is null)
            .Select(t => t.FullName)
            .ToList();
        Assert.AreEqual(0, offenders.Count, "[Requires] without [ServiceTestClass] (would skip under CI): " + string.Join(", ", offenders));
    }

    [TestMethod]
    public void OnlyBuildxAndBuildkitMaySkipUnderCi()
        => CollectionAssert.AreEquivalent(new[] { RequiresAttribute.Buildx, RequiresAttribute.BuildxBuilder, RequiresAttribute.Buildkitd }, RequiresAttribute.MaySkipUnderCi.ToArray());

    [TestMethod]
    public void MissingServiceUnderCiRunsAndFailsWithTheReason()
    {
        using var _ = new Variables(("CI", "true"));
        var requires = new RequiresAttribute("no-such-service");
        Assert.IsTrue(requires.IsConditionMet, "under CI a missing service must not skip");
        StringAssert.Contains(requires.CiFailure(), "CI=true");
        StringAssert.Contains(requires.CiFailure(), "unknown requirement 'no-such-service'");
    }

    [TestMethod]
    public void MissingServiceOutsideCiSkipsWithTheReason()
    {
        using var _ = new Variables(("CI", null));
        var requires = new RequiresAttribute("no-such-service");
        Assert.IsFalse(requires.IsConditionMet);
        StringAssert.Contains(requires.IgnoreMessage, "unknown requirement 'no-such-service'");
        Assert.IsNull(requires.CiFailure());
    }

    [TestMethod]
    public void MissingBuildxUnderCiSkipsWithTheReason()
    {
        using var _ = new Variables(("CI", "true"));
        var requires = new RequiresAttribute(RequiresAttribute.Buildx);
        if (Environments.BuildxMissing is null)
        {
            Assert.Inconclusive("docker buildx is installed here: nothing to skip");
        }

        Assert.IsFalse(requires.IsConditionMet);
        Assert.IsNull(requires.CiFailure());
        StringAssert.Contains(requires.IgnoreMessage, "buildx");
    }

    private sealed class Variables : IDisposable
    {
        private readonly List<(string Name, string? Value)> _saved = [];

        public Variables(params (string Name, string? Value)[] values)
        {
            foreach (var (name, value) in values)
            {
                _saved.Add((name, Environment.GetEnvironmentVariable(name)));
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
