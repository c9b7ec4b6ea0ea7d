using System.Xml.Linq;

namespace IvrEngine.Tests.Conf;

/// <summary>The repository's <c>freeswitch-conf/</c>, assembled as FreeSWITCH would and parsed.</summary>
internal sealed class FreeSwitchConf
{
    /// <summary>What the stand-in shell prints for an exec-set command (the random default passwords).</summary>
    public const string CommandOutput = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    private FreeSwitchConf(string folder, FreeSwitchPreprocessor preprocessor, string text)
    {
        Folder = folder;
        Preprocessor = preprocessor;
        Text = text;
        Document = XDocument.Parse(text);
    }

    /// <summary>The configuration folder.</summary>
    public string Folder { get; }

    public FreeSwitchPreprocessor Preprocessor { get; }

    /// <summary>The assembled document as text (what FreeSWITCH writes to freeswitch.xml.fsxml).</summary>
    public string Text { get; }

    public XDocument Document { get; }

    /// <summary>The global variables FreeSWITCH's core sets itself before it reads the configuration (its folders), as
    /// a Debian package has them.</summary>
    public static IReadOnlyDictionary<string, string> CoreGlobals { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["base_dir"] = "/usr",
        ["conf_dir"] = "/etc/freeswitch",
        ["log_dir"] = "/var/log/freeswitch",
        ["db_dir"] = "/var/lib/freeswitch/db",
        ["recordings_dir"] = "/var/lib/freeswitch/recordings",
        ["sounds_dir"] = "/usr/share/freeswitch/sounds",
    };

    /// <summary>Assembles the repository's configuration with the given environment (none by default).</summary>
    public static FreeSwitchConf Load(IReadOnlyDictionary<string, string>? environment = null)
    {
        var folder = Path.Combine(RepositoryRoot(), "freeswitch-conf");
        var preprocessor = new FreeSwitchPreprocessor(environment ?? new Dictionary<string, string>(), _ => CommandOutput);
        foreach (var (name, value) in CoreGlobals) preprocessor.Globals[name] = value;
        var text = preprocessor.Run(folder);
        return new FreeSwitchConf(folder, preprocessor, text);
    }

    /// <summary>The folder holding IvrEngine.sln, found upwards from the test assembly.</summary>
    public static string RepositoryRoot() => RealFreeSwitch.RealFreeSwitchEnvironment.RepositoryRoot();

    /// <summary>A <c>&lt;section name="..."&gt;</c> of the document.</summary>
    public XElement Section(string name) =>
        Document.Root!.Elements("section").Single(s => (string?)s.Attribute("name") == name);

    /// <summary>A module's <c>&lt;configuration name="X.conf"&gt;</c>.</summary>
    public XElement Configuration(string name) =>
        Section("configuration").Elements("configuration").Single(c => (string?)c.Attribute("name") == name);

    /// <summary>The <c>&lt;param name value&gt;</c> pairs directly under <paramref name="parent"/>.</summary>
    public static Dictionary<string, string> Params(XElement parent) =>
        parent.Elements("param").ToDictionary(p => (string)p.Attribute("name")!, p => (string)p.Attribute("value")!, StringComparer.Ordinal);

    /// <summary>The dialplan, for hunting.</summary>
    public XmlDialplan Dialplan => new(Section("dialplan"));
}
