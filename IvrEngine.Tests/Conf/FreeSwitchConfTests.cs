using System.Xml.Linq;

namespace IvrEngine.Tests.Conf;

/// <summary>freeswitch-conf/ assembles into one document FreeSWITCH can load, and its core settings are safe.</summary>
public sealed class FreeSwitchConfTests
{
    private static readonly FreeSwitchConf Conf = FreeSwitchConf.Load();

    [Fact]
    public void Assembles_into_one_well_formed_document_without_unknown_variables_or_empty_includes()
    {
        Conf.Document.Root!.Name.LocalName.Should().Be("document");
        Conf.Preprocessor.UndefinedReferences.Should().BeEmpty("a $${name} with no value becomes nothing in FreeSWITCH");
        Conf.Preprocessor.EmptyIncludes.Should().BeEmpty();
        Conf.Document.Root.Elements("section").Select(s => (string?)s.Attribute("name"))
            .Should().BeEquivalentTo("configuration", "dialplan", "languages", "directory");
    }

    [Fact]
    public void The_words_say_plays_and_prompts_without_a_folder_come_from_the_environment()
    {
        var moved = FreeSwitchConf.Load(new Dictionary<string, string> { ["IVR_SOUND_PREFIX"] = "/srv/sounds/en" });
        ((string?)moved.Section("languages").Element("language")!.Attribute("sound-prefix")).Should().Be("/srv/sounds/en");
        moved.Preprocessor.Globals["sound_prefix"].Should().Be("/srv/sounds/en");
    }

    [Fact]
    public void Every_xml_file_is_well_formed_on_its_own_and_reached_by_an_include()
    {
        var files = Directory.GetFiles(Conf.Folder, "*.xml", SearchOption.AllDirectories);
        foreach (var file in files)
        {
            var parse = () => XDocument.Load(file);
            parse.Should().NotThrow($"{Path.GetRelativePath(Conf.Folder, file)} should be well-formed XML");
        }

        Conf.Preprocessor.Files.Distinct().Should().BeEquivalentTo(files.Select(Path.GetFullPath), "no file is left out");
        Conf.Preprocessor.Files.Where(f => f.EndsWith(Path.Combine("ivr", "entry.xml"), StringComparison.Ordinal))
            .Should().HaveCount(2, "the way into the engine is shared by the contexts default and public");
    }

    [Fact]
    public void Preprocessor_lines_and_wrapper_lines_stand_alone_and_never_appear_in_comments()
    {
        // FreeSWITCH runs a preprocessor line even inside a comment and drops the whole line it is on, and drops
        // every line that holds the wrapper tag of included files: such text anywhere else silently breaks a file.
        foreach (var file in Directory.GetFiles(Conf.Folder, "*.xml", SearchOption.AllDirectories))
        {
            var name = Path.GetRelativePath(Conf.Folder, file);
            foreach (var line in File.ReadLines(file))
            {
                if (line.Contains("X-PRE-PROCESS", StringComparison.OrdinalIgnoreCase))
                {
                    line.Should().MatchRegex("^\\s*<X-PRE-PROCESS cmd=\"[a-z-]+\" data=\"[^\"]*\"/>$", name);
                }

                if (line.Contains("include>", StringComparison.Ordinal))
                {
                    line.Should().BeOneOf(["<include>", "</include>"], name);
                }
            }
        }
    }

    [Fact]
    public void Loads_the_modules_the_engine_the_queues_and_the_phones_need()
    {
        var modules = Conf.Configuration("modules.conf").Element("modules")!.Elements("load")
            .Select(l => (string)l.Attribute("module")!).ToList();

        modules.Should().OnlyHaveUniqueItems();
        modules.Should().Contain(["mod_console", "mod_logfile", "mod_event_socket", "mod_sofia", "mod_commands", "mod_dptools",
            "mod_dialplan_xml", "mod_callcenter", "mod_sndfile", "mod_native_file", "mod_tone_stream", "mod_say_en", "mod_loopback"]);
        modules.IndexOf("mod_console").Should().Be(0, "loggers load first");
        modules.Should().NotContain("mod_say_es", "not every build has it: a missing module is a CRIT line at every start");
        modules.Should().NotContain("mod_db", "nothing uses it, and without a db.conf it logs an error at every start");
    }

    [Fact]
    public void Every_say_module_loaded_has_its_language_so_that_the_say_application_speaks()
    {
        // FreeSWITCH's say finds the language first (section languages, with phrases and macros, even empty), then
        // the language's say module and recordings; without it, it logs an error and says nothing at all.
        var sayModules = Conf.Configuration("modules.conf").Element("modules")!.Elements("load")
            .Select(l => (string)l.Attribute("module")!).Where(m => m.StartsWith("mod_say_", StringComparison.Ordinal))
            .Select(m => m["mod_say_".Length..]).ToList();
        sayModules.Should().Contain("en", "the sample flows read numbers back and say amounts in English");

        var languages = Conf.Section("languages").Elements("language").ToList();
        languages.Select(l => (string?)l.Attribute("name")).Should().BeEquivalentTo(sayModules);
        foreach (var language in languages)
        {
            var name = (string)language.Attribute("name")!;
            ((string?)language.Attribute("say-module")).Should().Be(name);
            language.Element("phrases")?.Element("macros").Should().NotBeNull($"FreeSWITCH refuses language {name} without phrases and macros");
        }

        var english = languages.Single(l => (string?)l.Attribute("name") == "en");
        ((string?)english.Attribute("sound-prefix")).Should().Be(FreeSwitchConf.CoreGlobals["sounds_dir"] + "/en/us/callie",
            "the English sound pack, where a prompt without a folder is found too");
        Conf.Preprocessor.Globals["sound_prefix"].Should().Be(FreeSwitchConf.CoreGlobals["sounds_dir"] + "/en/us/callie");
    }

    [Fact]
    public void Every_module_setting_file_is_one_configuration_FreeSWITCH_looks_up_by_name()
    {
        var names = Conf.Section("configuration").Elements("configuration").Select(c => (string?)c.Attribute("name")).ToList();

        names.Should().OnlyHaveUniqueItems();
        names.Should().BeEquivalentTo("callcenter.conf", "console.conf", "event_socket.conf", "logfile.conf", "modules.conf",
            "sofia.conf", "switch.conf");
    }

    [Fact]
    public void The_event_socket_listens_on_loopback_behind_the_loopback_acl_with_a_password_that_is_not_written_in_the_file()
    {
        var settings = FreeSwitchConf.Params(Conf.Configuration("event_socket.conf").Element("settings")!);
        settings["listen-ip"].Should().Be("127.0.0.1");
        settings["apply-inbound-acl"].Should().Be("loopback.auto");

        var raw = XDocument.Load(Path.Combine(Conf.Folder, "autoload_configs", "event_socket.conf.xml"));
        var password = raw.Descendants("param").Single(p => (string?)p.Attribute("name") == "password");
        ((string)password.Attribute("value")!).Should().Be("$${ivr_esl_password}");
        Conf.Preprocessor.GlobalSources["ivr_esl_password"].Should().Be("exec-set", "with no IVR_ESL_PASSWORD it is random");
        settings["password"].Should().Be(FreeSwitchConf.CommandOutput).And.NotBeEmpty("an empty password means ClueCon");

        var withPassword = FreeSwitchConf.Load(new Dictionary<string, string> { ["IVR_ESL_PASSWORD"] = "s3cret-from-env" });
        FreeSwitchConf.Params(withPassword.Configuration("event_socket.conf").Element("settings")!)["password"]
            .Should().Be("s3cret-from-env");
    }

    [Fact]
    public void Engines_on_other_hosts_reach_the_event_socket_through_an_address_and_an_allow_list_from_the_environment()
    {
        var opened = FreeSwitchConf.Load(new Dictionary<string, string>
        {
            ["IVR_ESL_IP"] = "10.0.0.11", ["IVR_ESL_ALLOW"] = "10.0.0.21/32,10.0.0.22/32",
        });
        var settings = FreeSwitchConf.Params(opened.Configuration("event_socket.conf").Element("settings")!);
        settings["listen-ip"].Should().Be("10.0.0.11");
        // mod_event_socket takes a list name or comma-separated CIDRs (switch_check_network_list_ip_token).
        settings["apply-inbound-acl"].Should().Be("10.0.0.21/32,10.0.0.22/32");
    }

    [Fact]
    public void Ports_session_limits_and_rate_have_defaults_and_come_from_the_environment()
    {
        FreeSwitchConf.Params(Conf.Configuration("event_socket.conf").Element("settings")!)["listen-port"].Should().Be("8021");
        var core = FreeSwitchConf.Params(Conf.Configuration("switch.conf").Element("settings")!);
        core["rtp-start-port"].Should().Be("16384");
        core["rtp-end-port"].Should().Be("32768");
        core["max-sessions"].Should().Be("1000");
        core["sessions-per-second"].Should().Be("500", "a burst of 500 calls in a second must not be throttled");

        var moved = FreeSwitchConf.Load(new Dictionary<string, string>
        {
            ["IVR_ESL_PORT"] = "18021", ["IVR_RTP_START_PORT"] = "40000", ["IVR_RTP_END_PORT"] = "40999",
            ["IVR_MAX_SESSIONS"] = "3000", ["IVR_SESSIONS_PER_SECOND"] = "120",
        });
        FreeSwitchConf.Params(moved.Configuration("event_socket.conf").Element("settings")!)["listen-port"].Should().Be("18021");
        var movedCore = FreeSwitchConf.Params(moved.Configuration("switch.conf").Element("settings")!);
        movedCore["rtp-start-port"].Should().Be("40000");
        movedCore["rtp-end-port"].Should().Be("40999");
        movedCore["max-sessions"].Should().Be("3000");
        movedCore["sessions-per-second"].Should().Be("120");
    }

    [Fact]
    public void The_engine_hosts_default_to_this_machine_and_come_from_the_environment()
    {
        Conf.Preprocessor.Globals["ivr_engine_host"].Should().Be("127.0.0.1:8084");
        Conf.Preprocessor.Globals["ivr_engine_failover"].Should().Be("127.0.0.1:8085");

        var set = FreeSwitchConf.Load(new Dictionary<string, string>
        {
            ["IVR_ENGINE_HOST"] = "10.0.0.10:8084",
            ["IVR_ENGINE_FAILOVER"] = "10.0.0.11:8084",
        });
        set.Preprocessor.Globals["ivr_engine_host"].Should().Be("10.0.0.10:8084");
        set.Preprocessor.Globals["ivr_engine_failover"].Should().Be("10.0.0.11:8084");
    }

    [Fact]
    public void The_sip_profile_binds_loopback_port_5060_and_makes_every_call_authenticate()
    {
        var profiles = Conf.Configuration("sofia.conf").Element("profiles")!.Elements("profile").ToList();
        profiles.Should().ContainSingle();
        profiles[0].Attribute("name")!.Value.Should().Be("internal");

        var settings = FreeSwitchConf.Params(profiles[0].Element("settings")!);
        settings["sip-ip"].Should().Be("127.0.0.1");
        settings["rtp-ip"].Should().Be("127.0.0.1");
        settings["sip-port"].Should().Be("5060");
        settings["auth-calls"].Should().Be("true");
        settings["context"].Should().Be("public", "unauthenticated calls get the context that only reaches the IVR");
        settings.Should().NotContainKey("accept-blind-reg");
        settings.Should().NotContainKey("accept-blind-auth");
    }

    [Fact]
    public void Phones_1000_to_1006_register_with_the_password_from_the_environment()
    {
        var domain = Conf.Section("directory").Element("domain")!;
        domain.Attribute("name")!.Value.Should().Be("127.0.0.1");

        var users = domain.Descendants("user").ToList();
        users.Select(u => (string)u.Attribute("id")!).Should().Equal("1000", "1001", "1002", "1003", "1004", "1005", "1006");
        foreach (var user in users)
        {
            FreeSwitchConf.Params(user.Element("params")!)["password"].Should().Be(FreeSwitchConf.CommandOutput);
        }

        var raw = XDocument.Load(Path.Combine(Conf.Folder, "directory", "default.xml"));
        raw.Descendants("param").Where(p => (string?)p.Attribute("name") == "password")
            .Select(p => (string)p.Attribute("value")!).Should().AllBe("$${ivr_sip_password}");
        FreeSwitchConf.Load(new Dictionary<string, string> { ["IVR_SIP_PASSWORD"] = "phones-pw" })
            .Section("directory").Descendants("param").Where(p => (string?)p.Attribute("name") == "password")
            .Select(p => (string)p.Attribute("value")!).Should().AllBe("phones-pw");
    }

    [Fact]
    public void No_file_writes_a_password_in_clear()
    {
        foreach (var file in Directory.GetFiles(Conf.Folder, "*.xml", SearchOption.AllDirectories))
        {
            var passwords = XDocument.Load(file).Descendants("param")
                .Where(p => ((string?)p.Attribute("name"))?.Contains("password", StringComparison.OrdinalIgnoreCase) == true)
                .Select(p => (string)p.Attribute("value")!);
            foreach (var password in passwords) password.Should().StartWith("$${", Path.GetFileName(file));
        }
    }
}
