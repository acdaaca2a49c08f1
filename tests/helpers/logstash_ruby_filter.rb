# Runs a Logstash ruby filter script (`path =>`) outside Logstash, as the ruby filter does: the
# script is evaluated in an object of its own, register(script_params) once, then filter(event)
# for each event. Reads {"script": PATH, "params": {...}, "events": [...]} as JSON on stdin and
# prints the events the filter returned, as JSON.
require 'json'

# The part of Logstash's Event API the scripts use, over nested hashes and [a][b] references.
class Event
  attr_reader :data

  def initialize(data)
    @data = data
  end

  def get(reference)
    parts(reference).reduce(@data) { |node, part| node.is_a?(Hash) ? node[part] : nil }
  end

  def include?(reference)
    *parents, leaf = parts(reference)
    node = parents.reduce(@data) { |inner, part| inner.is_a?(Hash) ? inner[part] : nil }
    node.is_a?(Hash) && node.key?(leaf)
  end

  def set(reference, value)
    *parents, leaf = parts(reference)
    node = parents.reduce(@data) { |inner, part| inner[part].is_a?(Hash) ? inner[part] : (inner[part] = {}) }
    node[leaf] = value
  end

  def remove(reference)
    *parents, leaf = parts(reference)
    node = parents.reduce(@data) { |inner, part| inner.is_a?(Hash) ? inner[part] : nil }
    node.delete(leaf) if node.is_a?(Hash)
  end

  def tag(name)
    (@data['tags'] ||= []) << name unless (@data['tags'] || []).include?(name)
  end

  private

  def parts(reference)
    reference.scan(/\[([^\]]+)\]/).flatten
  end
end

request = JSON.parse($stdin.read)
script = Object.new
script.instance_eval(File.read(request.fetch('script')), request.fetch('script'))
script.register(request.fetch('params'))
results = request.fetch('events').flat_map { |data| script.filter(Event.new(data)).map(&:data) }
puts JSON.generate(results)
