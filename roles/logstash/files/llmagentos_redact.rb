# Copyright: llmagentos.ops contributors
# Apache License 2.0 (see LICENSE)
#
# Redaction for the agents' Logstash pipeline (a ruby filter with `path`), managed by llmagentos.ops.
# It applies the grammar the compiler wrote into `script_params => { "settings" => JSON }` exactly
# as the ingest pipelines' Painless script and the compiler's Python reference
# (plugins/module_utils/logs/redaction.py) do: the prompt fields first (hashed or dropped, their text
# taken out of the message), then every kind over the text fields, each secret replaced by its
# placeholder when the rule's check accepts it. It fails closed: when anything goes wrong the
# fields it would have redacted are removed and the event is tagged.
require 'digest'
require 'json'
require 'set'

def register(params)
  settings = JSON.parse(params.fetch('settings'))
  @kinds = settings.fetch('kinds').map do |kind|
    rules = kind.fetch('rules').map { |rule| [Regexp.new(rule.fetch('regex')), rule['check']] }
    [kind.fetch('name'), kind.fetch('placeholder'), rules]
  end
  @fields = settings.fetch('fields')
  @prompt_fields = settings.fetch('prompt_fields')
  @prompt_mode = settings.fetch('prompt_mode')
  @prompt_placeholder = settings.fetch('prompt_placeholder')
  @data_class = settings.fetch('data_class')
end

def luhn?(secret)
  total = 0
  twice = false
  secret.reverse.each_char do |char|
    next unless char >= '0' && char <= '9'

    digit = char.ord - 48
    digit *= 2 if twice
    total += digit > 9 ? digit - 9 : digit
    twice = !twice
  end
  (total % 10).zero?
end

def iban?(secret)
  text = secret.delete(' ')
  return false unless text.length.between?(15, 34)

  rest = 0
  (text[4..] + text[0, 4]).each_char do |char|
    rest = char >= 'A' ? (rest * 100 + char.ord - 55) % 97 : (rest * 10 + char.ord - 48) % 97
  end
  rest == 1
end

def ipv4?(secret)
  !secret.start_with?('127.') && secret != '0.0.0.0'
end

def ipv6?(secret)
  compressed = secret.index('::')
  return false if compressed && secret.index('::', compressed + 1)

  groups = secret.split(':').reject(&:empty?).length
  return false if compressed ? groups > 7 : groups != 8

  secret.match?(/[0-9]/) && secret != '::1' && secret != '0:0:0:0:0:0:0:1'
end

# No constants: the ruby filter evaluates the script inside an object of its own.
def accepted?(check, secret)
  case check
  when nil then true
  when 'luhn' then luhn?(secret)
  when 'iban' then iban?(secret)
  when 'ipv4' then ipv4?(secret)
  when 'ipv6' then ipv6?(secret)
  else raise ArgumentError, "unknown check #{check}"
  end
end

def redact(text, found)
  @kinds.each do |name, placeholder, rules|
    rules.each do |regex, check|
      hit = false
      text = text.gsub(regex) do
        match = Regexp.last_match
        next match[0] unless accepted?(check, match[2])

        hit = true
        match[1] + placeholder
      end
      found << name if hit
    end
  end
  text
end

def walk(value, found)
  case value
  when String then redact(value, found)
  when Array then value.map { |item| walk(item, found) }
  when Hash then value.to_h { |key, item| [key, walk(item, found)] }
  else value
  end
end

# A field given as a path, or as one dotted key at the root (as a JSON line may have it).
def reference(event, path)
  dotted = "[#{path.join('.')}]"
  event.include?(dotted) ? dotted : path.map { |part| "[#{part}]" }.join
end

def filter(event)
  found = Set.new
  prompt = false
  @prompt_fields.each do |path|
    field = reference(event, path)
    raw = event.get(field)
    next if raw.nil?

    prompt = true
    next if @prompt_mode == 'keep-redacted'

    event.remove(field)
    message = event.get('[message]')
    event.set('[message]', message.gsub(raw, @prompt_placeholder)) if raw.is_a?(String) && !raw.empty? && message.is_a?(String)
    event.set(field, Digest::SHA256.hexdigest(raw)) if @prompt_mode == 'hash' && raw.is_a?(String)
  end
  @fields.each do |path|
    field = reference(event, path)
    value = event.get(field)
    event.set(field, walk(value, found)) unless value.nil?
  end
  event.set('[llmagentos][redacted]', found.to_a.sort) unless found.empty?
  event.set('[llmagentos][data_class]', @data_class) if prompt
  [event]
rescue StandardError
  (@fields + @prompt_fields).each { |path| event.remove(reference(event, path)) }
  event.tag('llmagentos_redaction_failure')
  [event]
end
