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
    public void OnlyBuildkitdAndItsBuilderMaySkipUnderCi()
        => CollectionAssert.AreEquivalent(new[] { RequiresAttribute.BuildxBuilder, RequiresAttribute.Buildkitd }, RequiresAttribute.MaySkipUnderCi.ToArray());

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
    public void BuildxMayNotSkipUnderCi()
    {
        // Debian's docker-buildx is installed by build/env/install.sh: under CI a missing buildx fails the test.
        using var _ = new Variables(("CI", "true"));
        Assert.IsFalse(RequiresAttribute.MaySkipUnderCi.Contains(RequiresAttribute.Buildx));
        var requires = new RequiresAttribute(RequiresAttribute.Buildx, "no-such-service");
        Assert.IsTrue(requires.IsConditionMet, "under CI a missing service must not skip");
        StringAssert.Contains(requires.CiFailure(), "unknown requirement 'no-such-service'");
    }

    [TestMethod]
    public void MissingBuildkitdUnderCiSkipsWithTheReason()
    {
        using var _ = new Variables(("CI", "true"));
        var requires = new RequiresAttribute(RequiresAttribute.Buildkitd);
        Assert.AreEqual(Environments.BuildkitdMissing is null, requires.IsConditionMet, "present: runs; missing: skips, even under CI");
        Assert.IsNull(requires.CiFailure(), "buildkitd is the one thing CI may lack");
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
